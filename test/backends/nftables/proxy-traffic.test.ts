import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NftablesProxyBackend } from '../../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { fragmentMapOf } from '../../../src/core/plan/fragment-map.js';
import type { ProxyEndpoint, ProxyFrontend, ProxyPlan, ServicePortPlan } from '../../../src/core/plan/proxy-plan.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';

// Real traffic through the nftables proxy. One node namespace with kube-bridge (10.1.1.1/24,
// fd01::1/64, br_netfilter on), three pods behind it (p0 and p1 serve on 8080, p2 is a client
// pod) and an outside client on the node's underlay (192.168.50.100 -> node 192.168.50.11).
// Every namespace carries the prefix `krnp-<run>-`; nothing touches the root namespace. The plans
// are written by hand in the shape the planner emits for these services (the decisions each
// test relies on are spelled out in the plan), so each assertion follows from the plan's TSDoc.

const PEER = fileURLToPath(new URL('../../fixtures/nftables-proxy/pod-peer.cjs', import.meta.url));
const P0 = '10.1.1.10';
const P1 = '10.1.1.11';
const P2 = '10.1.1.12';
const NODE = '192.168.50.11';
const CLIENT = '192.168.50.100';

function endpoint(ip: string, local = true): ProxyEndpoint {
  return { ip, family: ip.includes(':') ? 'IPv6' : 'IPv4', port: 8080, nodeName: 'node-a', local, ready: true, serving: true, terminating: false };
}

function frontend(kind: ProxyFrontend['kind'], ip: string | undefined, port: number, extra: Partial<ProxyFrontend> = {}): ProxyFrontend {
  return {
    kind, ip, family: ip?.includes(':') ? 'IPv6' : 'IPv4', port, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [],
    masquerade: kind === 'ClusterIP' ? 'outside-cluster-cidrs' : 'always', ...extra,
  };
}

function servicePort(name: string, frontends: ProxyFrontend[], cluster: ProxyEndpoint[], extra: Partial<ServicePortPlan> = {}): ServicePortPlan {
  return {
    key: `default/${name}:http/TCP`, service: `default/${name}`, portName: 'http', protocol: 'TCP', frontends,
    clusterEndpoints: cluster, localEndpoints: [], hairpinMasquerade: true, ...extra,
  };
}

function labPlan(extra: ServicePortPlan[] = []): ProxyPlan {
  const local = { trafficPolicy: 'Local' as const, endpoints: 'local' as const, masquerade: 'never' as const, shortCircuit: { endpoints: 'cluster' as const, masqueradeFromNode: true as const } };
  const ports = [
    servicePort('web', [frontend('ClusterIP', '172.16.0.10', 80), frontend('NodePort', undefined, 30080)], [endpoint(P0), endpoint(P1)]),
    servicePort('sticky', [frontend('ClusterIP', '172.16.0.11', 80)], [endpoint(P0), endpoint(P1)], { affinityTimeoutSeconds: 60 }),
    servicePort('empty', [frontend('ClusterIP', '172.16.0.12', 80, { noEndpoints: 'REJECT' })], []),
    servicePort('self', [frontend('ClusterIP', '172.16.0.13', 80)], [endpoint(P0)]),
    servicePort('local-lb', [frontend('LoadBalancer', '172.16.200.1', 80, { ...local, sourceRanges: [`${CLIENT}/32`] })], [endpoint(P0), endpoint(P1, false)], {
      localEndpoints: [endpoint(P0)],
    }),
    servicePort('remote-lb', [frontend('LoadBalancer', '172.16.200.2', 80, { ...local, noEndpoints: 'DROP' })], [endpoint('10.1.2.20', false)]),
    servicePort('v6', [frontend('ClusterIP', 'fd00::10', 80)], [endpoint('fd01::10'), endpoint('fd01::11')]),
    ...extra,
  ];
  return {
    node: 'node-a',
    settings: {
      clusterCIDRs: ['10.1.0.0/16', 'fd01::/48'], serviceCIDRs: ['172.16.0.0/16', 'fd00::/108'], masqueradeAll: false,
      nodeAddresses: [{ ip: NODE, family: 'IPv4' }], nodePortAddressFilter: [], nodePortAddresses: [{ ip: NODE, family: 'IPv4' }], localhostNodePorts: false,
    },
    servicePorts: fragmentMapOf(ports, (port) => port.key),
  };
}

describe('nftables proxy with real traffic (root, namespaces of its own)', function () {
  this.timeout(120_000);
  const prefix = `krnp-${randomBytes(3).toString('hex')}-`;
  const node = `${prefix}node`;
  const client = `${prefix}client`;
  const pods = [0, 1, 2].map((index) => `${prefix}p${index}`);
  const exec = new ExecCommandRunner(20_000);
  const servers: ChildProcess[] = [];
  let backend: NftablesProxyBackend;

  const inNs = (netns: string, ...args: string[]) => exec.run('ip', ['netns', 'exec', netns, ...args]);
  async function probe(netns: string, ip: string, port: number, count: number): Promise<string[]> {
    const { stdout } = await exec.run('ip', ['netns', 'exec', netns, process.execPath, PEER, 'probe', ip, String(port), String(count), '2000'], { timeoutMs: 60_000 });
    return JSON.parse(stdout) as string[];
  }
  function serve(netns: string, ip: string): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, PEER, 'serve', ip, '8080'], { stdio: ['pipe', 'pipe', 'inherit'] });
    servers.push(child);
    return new Promise((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`server in ${netns} exited with ${code}`)));
    });
  }

  before(async function () {
    skipUnlessRoot(this);
    const ip = (...args: string[]) => exec.run('ip', args);
    for (const netns of [node, client, ...pods]) await ip('netns', 'add', netns);
    await ip('-n', node, 'link', 'add', 'kube-bridge', 'type', 'bridge');
    await ip('-n', node, 'addr', 'add', '10.1.1.1/24', 'dev', 'kube-bridge');
    await ip('-n', node, 'addr', 'add', 'fd01::1/64', 'dev', 'kube-bridge', 'nodad');
    await ip('-n', node, 'link', 'set', 'kube-bridge', 'up');
    await ip('-n', node, 'link', 'set', 'lo', 'up');
    await inNs(node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
    await exec.run('modprobe', ['br_netfilter'], { allowedExitCodes: [1] });
    await inNs(node, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1');
    for (const [index, pod] of pods.entries()) {
      await ip('-n', node, 'link', 'add', `veth${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
      await ip('-n', node, 'link', 'set', `veth${index}`, 'master', 'kube-bridge', 'up');
      // As kubelet does for pod veths: a pod DNATed back to itself leaves by the port it came in.
      await ip('-n', node, 'link', 'set', `veth${index}`, 'type', 'bridge_slave', 'hairpin', 'on');
      await ip('-n', pod, 'addr', 'add', `10.1.1.${10 + index}/24`, 'dev', 'eth0');
      await ip('-n', pod, 'addr', 'add', `fd01::${10 + index}/64`, 'dev', 'eth0', 'nodad');
      await ip('-n', pod, 'link', 'set', 'eth0', 'up');
      await ip('-n', pod, 'link', 'set', 'lo', 'up');
      await ip('-n', pod, 'route', 'add', 'default', 'via', '10.1.1.1');
      await ip('-n', pod, '-6', 'route', 'add', 'default', 'via', 'fd01::1');
    }
    await ip('-n', node, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
    await ip('-n', node, 'addr', 'add', `${NODE}/24`, 'dev', 'eth0');
    await ip('-n', node, 'link', 'set', 'eth0', 'up');
    await ip('-n', client, 'addr', 'add', `${CLIENT}/24`, 'dev', 'eth0');
    await ip('-n', client, 'link', 'set', 'eth0', 'up');
    await ip('-n', client, 'route', 'add', '172.16.0.0/16', 'via', NODE);
    await Promise.all([serve(pods[0]!, P0), serve(pods[1]!, P1), serve(pods[0]!, 'fd01::10'), serve(pods[1]!, 'fd01::11')]);
    backend = new NftablesProxyBackend(new NetnsCommandRunner(exec, node));
    await backend.sync(labPlan());
  });

  after(async () => {
    for (const server of servers) server.stdin?.end();
    for (const netns of [node, client, ...pods]) await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });

  it('balances a ClusterIP from a pod over both endpoints (200 connections, each within 100 +- 40, about 5.6 sigma), keeping the pod source', async () => {
    const answers = await probe(pods[2]!, '172.16.0.10', 80, 200);
    const p0 = answers.filter((answer) => answer === `${P0} ${P2}`).length;
    const p1 = answers.filter((answer) => answer === `${P1} ${P2}`).length;
    assert.equal(p0 + p1, 200, answers.slice(0, 5).join(' | '));
    assert.ok(p0 >= 60 && p0 <= 140, `p0 answered ${p0} of 200`);
  });

  it('answers a NodePort from the outside client, masqueraded (policy always)', async () => {
    const answers = await probe(client, NODE, 30080, 10);
    assert.ok(answers.every((answer) => answer === `${P0} 10.1.1.1` || answer === `${P1} 10.1.1.1`), answers.join(' | '));
  });

  it('masquerades a ClusterIP connection from outside the cluster CIDRs', async () => {
    const answers = await probe(client, '172.16.0.10', 80, 5);
    assert.ok(answers.every((answer) => answer.endsWith(' 10.1.1.1')), answers.join(' | '));
  });

  it('sticks one client to one endpoint under ClientIP affinity (20 connections)', async () => {
    const answers = await probe(pods[2]!, '172.16.0.11', 80, 20);
    assert.equal(new Set(answers).size, 1, answers.join(' | '));
    assert.ok(answers[0] === `${P0} ${P2}` || answers[0] === `${P1} ${P2}`, answers[0]);
  });

  it('refuses a service without endpoints at once (REJECT, not a timeout)', async () => {
    assert.deepEqual(await probe(pods[2]!, '172.16.0.12', 80, 3), ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('lets an endpoint reach itself through its service (hairpin, masqueraded to the bridge address)', async () => {
    assert.deepEqual(await probe(pods[0]!, '172.16.0.13', 80, 3), Array(3).fill(`${P0} 10.1.1.1`));
  });

  it('keeps the client address on a Local load balancer inside its source ranges, local endpoint only', async () => {
    await exec.run('ip', ['-n', client, 'route', 'add', '172.16.200.0/24', 'via', NODE], { allowedExitCodes: [2] });
    assert.deepEqual(await probe(client, '172.16.200.1', 80, 10), Array(10).fill(`${P0} ${CLIENT}`));
  });

  it('drops a Local load balancer from outside when no endpoint is local (timeout, not refused)', async () => {
    assert.deepEqual(await probe(client, '172.16.200.2', 80, 1), ['timeout']);
  });

  it('refuses a source outside the load balancer source ranges (dropped: timeout)', async () => {
    await exec.run('ip', ['-n', client, 'addr', 'add', '192.168.50.101/24', 'dev', 'eth0'], { allowedExitCodes: [2] });
    const { stdout } = await exec.run('ip', ['netns', 'exec', client, 'python3', '-c',
      'import socket;s=socket.socket();s.bind(("192.168.50.101",0));s.settimeout(2)\ntry:\n s.connect(("172.16.200.1",80));print("connected")\nexcept Exception as e:\n print(type(e).__name__)'], { timeoutMs: 10_000 });
    assert.equal(stdout.trim(), 'TimeoutError');
  });

  it('balances an IPv6 ClusterIP from a pod over both IPv6 endpoints', async () => {
    const answers = await probe(pods[2]!, 'fd00::10', 80, 40);
    assert.ok(answers.includes('fd01::10 fd01::12') && answers.includes('fd01::11 fd01::12'), answers.slice(0, 5).join(' | '));
  });

  // Checked against the kernel: before the service CIDR refusal these probes timed out (the
  // node routes 172.16.0.0/16 out of eth0, where no one answers).
  it('refuses at once an address of the service CIDRs no service holds, from a pod, the outside and the node, and still serves an allocated one', async () => {
    await exec.run('ip', ['-n', node, 'route', 'add', '172.16.0.0/16', 'dev', 'eth0'], { allowedExitCodes: [2] });
    await exec.run('ip', ['-n', node, '-6', 'route', 'add', 'fd00::/108', 'dev', 'eth0'], { allowedExitCodes: [2] });
    assert.deepEqual(await probe(pods[2]!, '172.16.63.40', 80, 2), ['ECONNREFUSED', 'ECONNREFUSED']);
    assert.deepEqual(await probe(client, '172.16.63.40', 80, 1), ['ECONNREFUSED']);
    assert.deepEqual(await probe(node, '172.16.63.40', 80, 1), ['ECONNREFUSED']);
    // An allocated cluster IP on a port it does not serve: refused as well.
    assert.deepEqual(await probe(pods[2]!, '172.16.0.10', 81, 1), ['ECONNREFUSED']);
    assert.deepEqual(await probe(pods[2]!, 'fd00::63', 80, 1), ['ECONNREFUSED']);
    const answers = await probe(pods[2]!, '172.16.0.10', 80, 4);
    assert.ok(answers.every((answer) => answer === `${P0} ${P2}` || answer === `${P1} ${P2}`), answers.join(' | '));
    // The DROP of a Local load balancer without local endpoints keeps its answer (not a refusal).
    assert.deepEqual(await probe(client, '172.16.200.2', 80, 1), ['timeout']);
  });

  it('sends traffic to an endpoint removed and added by element updates only', async () => {
    const webOnlyP1 = labPlan().servicePorts.values().map((port) => (port.service === 'default/web' ? { ...port, clusterEndpoints: [endpoint(P1)] } : port));
    await backend.sync({ ...labPlan(), servicePorts: fragmentMapOf(webOnlyP1, (port) => port.key) });
    const payload = backend.lastTransaction?.payload ?? '';
    // Checked by hand: removing P0 from a 2-endpoint service moves it to the 1-endpoint balancer.
    assert.equal(backend.lastTransaction?.full, false);
    assert.ok(!payload.includes('delete table'), payload);
    assert.deepEqual(new Set(await probe(pods[2]!, '172.16.0.10', 80, 20)), new Set([`${P1} ${P2}`]));
    await backend.sync(labPlan());
    assert.equal(backend.lastTransaction?.full, false);
    const answers = await probe(pods[2]!, '172.16.0.10', 80, 40);
    assert.ok(answers.includes(`${P0} ${P2}`), answers.join(' | '));
  });

  it('serves a NodePort on 127.0.0.1 only with localhost NodePorts, setting route_localnet in the node namespace, masqueraded', async () => {
    // Off (the plan above): loopback is not a NodePort address, nothing listens there: refused.
    assert.deepEqual(await probe(node, '127.0.0.1', 30080, 1), ['ECONNREFUSED']);
    const localhost = labPlan();
    await backend.sync({ ...localhost, settings: { ...localhost.settings, localhostNodePorts: true } });
    const { stdout } = await inNs(node, 'sysctl', '-n', 'net.ipv4.conf.all.route_localnet');
    assert.equal(stdout.trim(), '1');
    // Without route_localnet the DNATed packet from 127.0.0.1 is dropped as a martian (a timeout).
    const answers = await probe(node, '127.0.0.1', 30080, 10);
    assert.ok(answers.every((answer) => answer === `${P0} 10.1.1.1` || answer === `${P1} 10.1.1.1`), answers.join(' | '));
    await backend.sync(labPlan());
  });
});
