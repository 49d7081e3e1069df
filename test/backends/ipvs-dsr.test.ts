import assert from 'node:assert/strict';
import {
  DsrMarkLedger,
  FakeIpvsPort,
  IpvsNetfilter,
  IpvsProxyBackend,
  MemoryVipInterface,
  dsrDecision,
  preferredDsrMark,
  type DsrFrontend,
} from '../../src/backends/ipvs/index.js';
import { NODE_A, nodePlan } from './ipvs/node-plan.js';
import type { ProxyEndpoint, ProxyPlan, ServicePortPlan } from '../../src/core/plan/proxy-plan.js';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';

function endpoint(ip: string, local: boolean, port = 8080): ProxyEndpoint {
  return { ip, family: 'IPv4', port, nodeName: local ? 'node-a' : 'node-b', local, ready: true, serving: true, terminating: false };
}

/** A DSR service: cluster IP 10.96.0.20 and external IP 192.168.70.10, both on 8080. */
function dsrPort(endpoints: ProxyEndpoint[], dsr = true): ServicePortPlan {
  return {
    key: 'app/dsr:http/TCP',
    service: 'app/dsr',
    portName: 'http',
    protocol: 'TCP',
    frontends: [
      { kind: 'ClusterIP', ip: '10.96.0.20', family: 'IPv4', port: 8080, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'outside-cluster-cidrs' },
      { kind: 'ExternalIP', ip: '192.168.70.10', family: 'IPv4', port: 8080, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: dsr ? 'never' : 'always' },
    ],
    clusterEndpoints: endpoints,
    localEndpoints: [],
    hairpinMasquerade: true,
    ...(dsr ? { kubeRouter: { dsr: 'tunnel' } } : {}),
  };
}

function plan(...ports: ServicePortPlan[]): ProxyPlan {
  return nodePlan(NODE_A, ...ports);
}

/** A node runner where each `-D`/`del` deletion succeeds once (then the rule is gone), `-C` finds nothing. */
function nodeRunner(): RecordingCommandRunner {
  const deleted = new Set<string>();
  return new RecordingCommandRunner().respond((call) => {
    const words = [call.command, ...call.args].join(' ');
    if (call.command.endsWith('tables') && call.args.includes('-C')) return { exitCode: 1 };
    const deletion = (call.command.endsWith('tables') && call.args.includes('-D')) || (call.command === 'ip' && call.args[0] === 'rule' && call.args[1] === 'del');
    if (!deletion) return undefined;
    if (deleted.has(words)) return { exitCode: call.command === 'ip' ? 2 : 1 };
    deleted.add(words);
    return undefined;
  });
}

/** A pod's runner: `kube-tunnel-if` exists once a recorded `ip link add` made it (`ip link show` exits 1 before). */
function podRunner(): RecordingCommandRunner {
  const runner = new RecordingCommandRunner();
  const made = (): boolean => runner.calls.some((call) => call.command === 'ip' && call.args[0] === 'link' && call.args[1] === 'add');
  return runner.respond((call) => (call.command === 'ip' && call.args[0] === 'link' && call.args[1] === 'show' && !made() ? { exitCode: 1, stderr: 'Device "kube-tunnel-if" does not exist.' } : undefined));
}

function words(runner: RecordingCommandRunner): string[] {
  return runner.calls.map((call) => [call.command, ...call.args].join(' '));
}

function setup(): { port: FakeIpvsPort; vips: MemoryVipInterface; node: RecordingCommandRunner; pods: Map<string, RecordingCommandRunner>; asked: string[]; skips: string[]; backend: IpvsProxyBackend } {
  const port = new FakeIpvsPort();
  const vips = new MemoryVipInterface();
  const node = nodeRunner();
  const pods = new Map([['10.244.1.2', podRunner()], ['10.244.1.3', podRunner()]]);
  const asked: string[] = [];
  const skips: string[] = [];
  const backend = new IpvsProxyBackend(port, vips, {
    netfilter: new IpvsNetfilter(node),
    podNetwork: (one) => {
      asked.push(one.ip);
      return pods.get(one.ip);
    },
    onSkip: (line) => skips.push(line),
  });
  return { port, vips, node, pods, asked, skips, backend };
}

const EXTERNAL_KEY = '192.168.70.10,tcp:8080';

describe('IPVS DSR (kube-router.io/service.dsr=tunnel): firewall-mark service, marking rules, pod tunnels', () => {
  it('the mark of a key is FNV-1a of its text folded into 1..0x3fff (FNV-1a("a") = 0xe40c292c), clear of 0x4000', () => {
    assert.equal(preferredDsrMark('a'), (0xe40c292c % 0x3fff) + 1);
    const mark = preferredDsrMark(EXTERNAL_KEY);
    assert.ok(mark >= 1 && mark <= 0x3fff && (mark & 0x4000) === 0);
  });

  it('colliding keys get distinct marks (the next free one), and a released mark is not reused before settle', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i += 1) {
      const key = `10.0.${i >> 8}.${i & 255},tcp:80`;
      const mark = preferredDsrMark(key);
      const other = seen.get(mark);
      if (other !== undefined) pair = [other, key];
      seen.set(mark, key);
    }
    const frontend = (key: string): DsrFrontend => ({ key, ip: key.split(',')[0] ?? '', family: 'IPv4', protocol: 'TCP', port: 80 });
    const ledger = new DsrMarkLedger();
    ledger.claim('a', [frontend(pair[0])]);
    ledger.claim('b', [frontend(pair[1])]);
    const first = preferredDsrMark(pair[0]);
    assert.equal(ledger.markOf(pair[0]), first);
    assert.equal(ledger.markOf(pair[1]), (first % 0x3fff) + 1);
    // a lets go; b's key comes back under another owner in the same sync: its old mark is held back.
    ledger.claim('a', []);
    ledger.claim('b', []);
    ledger.claim('c', [frontend(pair[1])]);
    assert.notEqual(ledger.markOf(pair[1]), first);
    ledger.settle();
    ledger.claim('c', []);
    ledger.settle();
    ledger.claim('d', [frontend(pair[1])]);
    assert.equal(ledger.markOf(pair[1]), first);
  });

  it('a DSR external IP is a firewall-mark service with tunnel real servers, no VIP on the dummy interface; the cluster IP stays NAT', async () => {
    const { port, vips, backend, skips, asked } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.2.5', false)])));
    const mark = preferredDsrMark(EXTERNAL_KEY);
    const services = await port.listServices();
    assert.deepEqual(services.map((one) => `${one.fwmark === undefined ? `${one.protocol} ${one.address}:${one.port}` : `FWM ${one.fwmark}`}`).sort(), [`FWM ${mark}`, 'TCP 10.96.0.20:8080'].sort());
    const marked = services.find((one) => one.fwmark === mark);
    assert.ok(marked !== undefined);
    assert.deepEqual((await port.listRealServers(marked)).map((one) => `${one.address}:${one.port} ${one.forwarding} ${one.weight}`), ['10.244.1.2:8080 tunnel 1', '10.244.2.5:8080 tunnel 1']);
    const clusterIP = services.find((one) => one.address === '10.96.0.20');
    assert.deepEqual((await port.listRealServers(clusterIP!)).map((one) => one.forwarding), ['masquerade', 'masquerade']);
    assert.deepEqual(await vips.list(), ['10.96.0.20']);
    // Only this node's endpoint pod is set up.
    assert.deepEqual(asked, ['10.244.1.2']);
    assert.deepEqual(skips, []);
    backend.close();
  });

  it('the node gets the marking chain (payload checked by hand), its jump, table 78 and a rule per mark; the pod its tunnel with the external IP', async () => {
    const { node, pods, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.1.3', true)])));
    const mark = `0x${preferredDsrMark(EXTERNAL_KEY).toString(16)}`;
    const mangle = node.calls.filter((call) => call.command === 'iptables-restore' && (call.input ?? '').startsWith('*mangle'));
    assert.deepEqual(mangle.map((call) => call.input), [
      ['*mangle', ':KUBE-ROUTER-DSR-MARK - [0:0]', `-A KUBE-ROUTER-DSR-MARK -d 192.168.70.10/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark ${mark}/0xffffffff`, 'COMMIT', ''].join('\n'),
    ]);
    const dsrCommands = words(node).filter((line) => line.includes('table 78') || line.includes('KUBE-ROUTER-DSR-MARK'));
    assert.deepEqual(dsrCommands, [
      'ip route replace local default dev lo table 78',
      `ip rule add priority 32764 fwmark ${mark} table 78`,
      'iptables -w -t mangle -C PREROUTING -j KUBE-ROUTER-DSR-MARK',
      'iptables -w -t mangle -I PREROUTING 1 -j KUBE-ROUTER-DSR-MARK',
    ]);
    for (const [ip, runner] of pods) {
      assert.deepEqual(words(runner), [
        'ip link show dev kube-tunnel-if',
        `ip link add kube-tunnel-if type ipip local ${ip}`,
        'ip link set kube-tunnel-if up',
        'sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.kube-tunnel-if.rp_filter=0',
        'ip address replace 192.168.70.10/32 dev kube-tunnel-if',
      ]);
    }
    backend.close();
  });

  it('an endpoint change writes only IPVS: no rule, chain or pod command', async () => {
    const { node, pods, port, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)])));
    node.calls.length = 0;
    for (const runner of pods.values()) runner.calls.length = 0;
    port.clearOperations();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.2.5', false)])));
    assert.deepEqual(words(node).filter((line) => !line.startsWith('ipset')), []);
    assert.deepEqual([...pods.values()].flatMap(words), []);
    assert.deepEqual(port.operations.map((one) => `${one.operation} ${one.service} ${one.server ?? ''}`.trim()).sort(), [
      `addRealServer FWM ${preferredDsrMark(EXTERNAL_KEY)} 10.244.2.5:8080`,
      'addRealServer TCP 10.96.0.20:8080 10.244.2.5:8080',
    ]);
    backend.close();
  });

  it('DSR removed: the firewall-mark service, its rule and mark rule and the pod\'s address go; the external IP becomes a NAT service with its VIP', async () => {
    const { node, pods, port, vips, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)])));
    const mark = preferredDsrMark(EXTERNAL_KEY);
    node.calls.length = 0;
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)], false)));
    const services = await port.listServices();
    assert.ok(!services.some((one) => one.fwmark !== undefined));
    assert.ok(services.some((one) => one.address === '192.168.70.10' && one.port === 8080));
    assert.deepEqual(await vips.list(), ['10.96.0.20', '192.168.70.10']);
    assert.deepEqual(words(node).filter((line) => line.includes('table 78')), [`ip rule del priority 32764 fwmark 0x${mark.toString(16)} table 78`]);
    assert.deepEqual(node.calls.filter((call) => (call.input ?? '').startsWith('*mangle')).map((call) => call.input), ['*mangle\n:KUBE-ROUTER-DSR-MARK - [0:0]\nCOMMIT\n']);
    assert.deepEqual(words(pods.get('10.244.1.2')!).at(-1), 'ip address del 192.168.70.10/32 dev kube-tunnel-if');
    backend.close();
  });

  it('a resync writes the chain, rule and pod setup again (repairing drift); a rule the kernel has already (exit 2) is fine', async () => {
    const { node, pods, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)])));
    node.calls.length = 0;
    const pod = pods.get('10.244.1.2')!;
    const before = pod.calls.length;
    node.respondTo('ip', { exitCode: 2, stderr: 'RTNETLINK answers: File exists' }, ['rule', 'add']);
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)])), { resync: true });
    const mark = `0x${preferredDsrMark(EXTERNAL_KEY).toString(16)}`;
    assert.deepEqual(words(node).filter((line) => line.includes('table 78') || line.includes('KUBE-ROUTER-DSR-MARK')), [
      'ip route replace local default dev lo table 78',
      `ip rule add priority 32764 fwmark ${mark} table 78`,
      'iptables -w -t mangle -C PREROUTING -j KUBE-ROUTER-DSR-MARK',
      'iptables -w -t mangle -I PREROUTING 1 -j KUBE-ROUTER-DSR-MARK',
    ]);
    assert.equal(node.calls.filter((call) => (call.input ?? '').startsWith('*mangle')).length, 1);
    // The link is there now: checked, not made.
    assert.deepEqual(words(pod).slice(before), [
      'ip link show dev kube-tunnel-if',
      'ip link set kube-tunnel-if up',
      'sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.kube-tunnel-if.rp_filter=0',
      'ip address replace 192.168.70.10/32 dev kube-tunnel-if',
    ]);
    backend.close();
  });

  it('a pod that leaves and comes back with the same IP (a new namespace) gets its tunnel made again', async () => {
    const { pods, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.1.3', true)])));
    await backend.sync(plan(dsrPort([endpoint('10.244.1.3', true)])));
    const pod = pods.get('10.244.1.2')!;
    assert.equal(words(pod).at(-1), 'ip address del 192.168.70.10/32 dev kube-tunnel-if');
    // A new namespace: nothing made there yet.
    pod.calls.length = 0;
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.1.3', true)])));
    assert.deepEqual(words(pod).slice(0, 2), ['ip link show dev kube-tunnel-if', 'ip link add kube-tunnel-if type ipip local 10.244.1.2']);
    assert.equal(words(pod).at(-1), 'ip address replace 192.168.70.10/32 dev kube-tunnel-if');
    backend.close();
  });

  it('cleanup removes the jump, the chain, the rules of table 78 and its route, and the pods\' tunnels', async () => {
    const { node, pods, port, backend } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true)])));
    node.calls.length = 0;
    await backend.cleanup();
    assert.deepEqual(await port.listServices(), []);
    const dsr = words(node).filter((line) => line.includes('table 78') || line.includes('KUBE-ROUTER-DSR-MARK'));
    assert.deepEqual(dsr, [
      'iptables -w -t mangle -D PREROUTING -j KUBE-ROUTER-DSR-MARK',
      'iptables -w -t mangle -D PREROUTING -j KUBE-ROUTER-DSR-MARK',
      'ip rule del priority 32764 table 78',
      'ip rule del priority 32764 table 78',
      'ip route flush table 78',
    ]);
    assert.ok(node.calls.some((call) => call.input === '*mangle\n:KUBE-ROUTER-DSR-MARK - [0:0]\n-X KUBE-ROUTER-DSR-MARK\nCOMMIT\n'));
    assert.equal(words(pods.get('10.244.1.2')!).at(-1), 'ip link del kube-tunnel-if');
  });

  it('an endpoint port other than the service port: logged, counted skip, the service is proxied with NAT', async () => {
    const { port, node, backend, skips } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true, 9090)])));
    assert.deepEqual(skips, ['app/dsr port "http"/TCP: DSR (kube-router.io/service.dsr="tunnel") needs the endpoint port to equal the service port (IPVS tunnelling keeps the port), but 192.168.70.10:8080 has an endpoint on port 9090; the service is proxied with NAT']);
    const services = await port.listServices();
    assert.ok(!services.some((one) => one.fwmark !== undefined));
    const external = services.find((one) => one.address === '192.168.70.10');
    assert.deepEqual((await port.listRealServers(external!)).map((one) => one.forwarding), ['masquerade']);
    assert.ok(!node.calls.some((call) => (call.input ?? '').startsWith('*mangle')));
    assert.match((await backend.describe()).summary.join('\n'), /1 skipped/);
    backend.close();
  });

  it('a local endpoint whose pod the port does not know is a skip line (the others are set up)', async () => {
    const { backend, skips, pods } = setup();
    await backend.sync(plan(dsrPort([endpoint('10.244.1.2', true), endpoint('10.244.1.9', true)])));
    assert.deepEqual(skips, ['app/dsr port "http"/TCP: DSR to 192.168.70.10: the pod of endpoint 10.244.1.9 is not known to the pod network port; its connections through the tunnel fail']);
    assert.equal(words(pods.get('10.244.1.2')!).at(-1), 'ip address replace 192.168.70.10/32 dev kube-tunnel-if');
    backend.close();
  });

  it('dsrDecision: a DSR frontend the plan masquerades (planned without directServerReturn) is a skip, served with NAT', () => {
    const port = dsrPort([endpoint('10.244.1.2', true)]);
    const masqueraded = { ...port, frontends: port.frontends.map((frontend) => (frontend.kind === 'ExternalIP' ? { ...frontend, masquerade: 'always' as const } : frontend)) };
    const decision = dsrDecision(masqueraded, true);
    assert.deepEqual(decision.frontends, []);
    assert.deepEqual(decision.skips, ['app/dsr port "http"/TCP: DSR (kube-router.io/service.dsr="tunnel"): the plan masquerades 192.168.70.10:8080 (plan with directServerReturn to serve DSR); the service is proxied with NAT']);
  });

  it('dsrDecision: only IPv4 external frontends; IPv6 is a skip (not implemented yet)', () => {
    const port = dsrPort([endpoint('10.244.1.2', true)]);
    const v6 = { ...port, frontends: [...port.frontends, { ...port.frontends[1]!, ip: 'fd00::70:10', family: 'IPv6' as const }] };
    const decision = dsrDecision(v6, true);
    assert.deepEqual(decision.frontends.map((one) => one.key), [EXTERNAL_KEY]);
    assert.deepEqual(decision.skips, ['app/dsr port "http"/TCP: DSR (kube-router.io/service.dsr="tunnel") over IPv6 is not implemented yet; its IPv6 external IPs are proxied with NAT']);
  });
});
