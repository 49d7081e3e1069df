import assert from 'node:assert/strict';
import { FakeIpvsPort, IpvsNetfilter, IpvsProxyBackend, MemoryVipInterface, ipvsRulesPayload, servicePortMembers } from '../../src/backends/ipvs/index.js';
import { NODE_A, nodePlan } from './ipvs/node-plan.js';
import type { ProxyEndpoint, ProxyPlan, ServicePortPlan } from '../../src/core/plan/proxy-plan.js';
import { SortedTable } from '../../src/core/store/sorted-table.js';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';

function endpoint(ip: string): ProxyEndpoint {
  return { ip, family: 'IPv4', port: 8080, nodeName: 'node-a', local: true, ready: true, serving: true, terminating: false };
}

function web(ips: string[], key = 'app/web:http/TCP', vip = '10.96.0.10'): ServicePortPlan {
  return {
    key,
    service: key.split(':')[0] ?? key,
    portName: 'http',
    protocol: 'TCP',
    frontends: [
      { kind: 'ClusterIP', ip: vip, family: 'IPv4', port: 80, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'outside-cluster-cidrs', noEndpoints: ips.length === 0 ? 'REJECT' : undefined },
      { kind: 'NodePort', family: 'IPv4', port: 30080, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'always', noEndpoints: ips.length === 0 ? 'REJECT' : undefined },
    ],
    clusterEndpoints: ips.map(endpoint),
    localEndpoints: [],
    hairpinMasquerade: true,
  };
}

function plan(...ports: ServicePortPlan[]): ProxyPlan {
  return withServiceCIDRs([], ...ports);
}

function withServiceCIDRs(serviceCIDRs: string[], ...ports: ServicePortPlan[]): ProxyPlan {
  return nodePlan({ ...NODE_A, serviceCIDRs }, ...ports);
}

describe('IPVS netfilter half: ipsets and iptables rules (checked by hand against the plan decisions)', () => {
  it('a service port names its VIP, frontends, masquerade sets and hairpin entries', () => {
    const members = servicePortMembers(plan(), web(['10.244.1.2']));
    assert.deepEqual(members.sort(), [
      'hairpin IPv4 10.244.1.2,tcp:8080,10.244.1.2',
      'masq-all IPv4 192.168.50.1,tcp:30080',
      'masq-out IPv4 10.96.0.10,tcp:80',
      'svip IPv4 10.96.0.10',
      'svip-prt IPv4 10.96.0.10,tcp:80',
      'svip-prt IPv4 192.168.50.1,tcp:30080',
    ]);
  });

  it('LoadBalancer source ranges: the frontend in kube-router-lb-fw, each range (host bits cleared) in kube-router-lb-src; a bad range is left out and told', async () => {
    const balancer = { ...web(['10.244.1.2']).frontends[0]!, kind: 'LoadBalancer' as const, ip: '172.18.0.50', sourceRanges: ['192.168.7.0/24', '10.0.0.7/8', 'not-a-cidr', 'fd00::/64'] };
    const port = { ...web(['10.244.1.2']), frontends: [balancer] };
    const members = servicePortMembers(plan(), port).filter((member) => member.startsWith('lb-'));
    assert.deepEqual(members.sort(), [
      'lb-fw IPv4 172.18.0.50,tcp:80',
      'lb-src IPv4 172.18.0.50,tcp:80,10.0.0.0/8',
      'lb-src IPv4 172.18.0.50,tcp:80,192.168.7.0/24',
    ]);
    // A /0 range allows every source: nothing to filter (and hash:ip,port,net cannot hold /0).
    const open = { ...port, frontends: [{ ...balancer, sourceRanges: ['192.168.7.0/24', '0.0.0.0/0'] }] };
    assert.deepEqual(servicePortMembers(plan(), open).filter((member) => member.startsWith('lb-')), []);
    // The rule comes first in KUBE-ROUTER-SERVICES: a refused source never reaches ACCEPT.
    const filterRules = ipvsRulesPayload('IPv4').split('\n').filter((line) => line.startsWith('-A KUBE-ROUTER-SERVICES'));
    assert.equal(
      filterRules[0],
      '-A KUBE-ROUTER-SERVICES -m set --match-set kube-router-lb-fw dst,dst -m set ! --match-set kube-router-lb-src dst,dst,src -m comment --comment "outside the load balancer source ranges" -j DROP',
    );
    const skips: string[] = [];
    const backend = new IpvsProxyBackend(new FakeIpvsPort(), new MemoryVipInterface(), { netfilter: new IpvsNetfilter(new RecordingCommandRunner()), onSkip: (line) => skips.push(line) });
    await backend.sync(plan(port));
    assert.deepEqual(skips, [
      'app/web port "http"/TCP: source range "not-a-cidr" is not a CIDR; left out, so the sources it meant are refused',
      'app/web port "http"/TCP: source range "fd00::/64" is not an IPv4 CIDR; left out, so the sources it meant are refused',
    ]);
    assert.match((await backend.describe()).summary.join('\n'), /2 skipped \(not implemented yet or invalid\), in 1 service ports/);
    backend.close();
  });

  it('DSR without the pod network port is a logged, counted skip: the service is proxied with masquerade', async () => {
    const skips: string[] = [];
    const port = new FakeIpvsPort();
    const backend = new IpvsProxyBackend(port, new MemoryVipInterface(), { onSkip: (line) => skips.push(line) });
    await backend.sync(plan({ ...web(['10.244.1.2']), kubeRouter: { dsr: 'tunnel' } }));
    assert.deepEqual(skips, ['app/web port "http"/TCP: DSR (kube-router.io/service.dsr="tunnel") needs the pod network port of the IPVS backend (podNetwork) to set up the endpoints\' tunnel interfaces; the service is proxied with NAT']);
    const [service] = await port.listServices();
    assert.deepEqual((await port.listRealServers(service!)).map((one) => one.forwarding), ['masquerade']);
    assert.match((await backend.describe()).summary.join('\n'), /1 skipped/);
    // The skip goes away with the annotation.
    await backend.sync(plan(web(['10.244.1.2'])));
    assert.doesNotMatch((await backend.describe()).summary.join('\n'), /skipped/);
    backend.close();
  });

  it('without endpoints the frontends go into the reject set', () => {
    const members = servicePortMembers(plan(), web([]));
    assert.ok(members.includes('reject IPv4 10.96.0.10,tcp:80'));
    assert.ok(members.includes('reject IPv4 192.168.50.1,tcp:30080'));
  });

  it('the first sync writes sysctls, sets, rules and jumps; an endpoint change is one ipset restore of two lines', async () => {
    const runner = new RecordingCommandRunner().respond((call) => (call.command === 'iptables' && call.args.includes('-C') ? { exitCode: 1 } : undefined));
    const backend = new IpvsProxyBackend(new FakeIpvsPort(), new MemoryVipInterface(), { netfilter: new IpvsNetfilter(runner) });
    await backend.sync(plan(web(['10.244.1.2'])));
    const restore = runner.calls.find((call) => call.command === 'iptables-restore');
    assert.deepEqual(restore?.args, ['--noflush', '-w']);
    assert.match(restore?.input ?? '', /-m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ -j MASQUERADE/);
    assert.match(restore?.input ?? '', /--match-set kube-router-reject dst,dst .*-j REJECT/);
    // INPUT, PREROUTING and OUTPUT (mark), POSTROUTING, PREROUTING and OUTPUT (short circuit),
    // INPUT, FORWARD and OUTPUT (service CIDRs).
    assert.equal(runner.calls.filter((call) => call.command === 'iptables' && call.args.includes('-I')).length, 9);
    runner.calls.length = 0;
    await backend.sync(plan(web(['10.244.1.3'])));
    assert.deepEqual(runner.calls.map((call) => call.command), ['ipset']);
    assert.deepEqual(runner.calls[0]?.input?.trim().split('\n').sort(), [
      'add kube-router-hairpin 10.244.1.3,tcp:8080,10.244.1.3 -exist',
      'del kube-router-hairpin 10.244.1.2,tcp:8080,10.244.1.2 -exist',
    ]);
    backend.close();
  });

  it('a VIP two service ports share stays in the set until both are gone', async () => {
    const runner = new RecordingCommandRunner();
    const netfilter = new IpvsNetfilter(runner);
    const both = plan(web(['10.244.1.2']), { ...web(['10.244.1.2'], 'app/web:alt/TCP'), frontends: [{ ...web([]).frontends[0]!, port: 81, noEndpoints: undefined }] });
    await netfilter.apply(both, [], true);
    runner.calls.length = 0;
    const one = plan(web(['10.244.1.2']));
    await netfilter.apply(one, ['app/web:alt/TCP'], false);
    const lines = runner.calls[0]?.input ?? '';
    assert.match(lines, /^del kube-router-svip-prt 10\.96\.0\.10,tcp:81 -exist$/m);
    assert.doesNotMatch(lines, /kube-router-svip 10\.96\.0\.10/);
  });

  it('a failed ipset restore rejects the sync and the next sync tries the same change again', async () => {
    let fail = false;
    const runner = new RecordingCommandRunner().respond((call) => (fail && call.command === 'ipset' ? { exitCode: 1, stderr: 'boom' } : undefined));
    const backend = new IpvsProxyBackend(new FakeIpvsPort(), new MemoryVipInterface(), { netfilter: new IpvsNetfilter(runner) });
    await backend.sync(plan(web(['10.244.1.2'])));
    fail = true;
    await assert.rejects(backend.sync(plan(web(['10.244.1.3']))), /ipset/);
    fail = false;
    runner.calls.length = 0;
    await backend.sync(plan(web(['10.244.1.3'])));
    assert.match(runner.calls.find((call) => call.command === 'ipset')?.input ?? '', /add kube-router-hairpin 10\.244\.1\.3/);
    backend.close();
  });

  it('at 1,000 services an endpoint change is 4 IPVS requests of that service and a 1-line ipset restore (counted by hand)', async () => {
    // Service i: ClusterIP 10.96.(i>>8).(i&255):80 and endpoints n = 10i..10i+9 at 10.100.(n>>8).(n&255):8080.
    const numbered = (n: number): ProxyEndpoint => ({ ...endpoint(`10.100.${n >> 8}.${n & 255}`), local: false });
    const service = (index: number, shift: number): ServicePortPlan => ({
      ...web([], `bench/svc-${index}:http/TCP`, `10.96.${index >> 8}.${index & 255}`),
      frontends: [{ ...web([]).frontends[0]!, ip: `10.96.${index >> 8}.${index & 255}`, noEndpoints: undefined }],
      clusterEndpoints: Array.from({ length: 10 }, (_, e) => numbered(index * 10 + e + shift)),
    });
    const first = plan(...Array.from({ length: 1000 }, (_, index) => service(index, 0)));
    const runner = new RecordingCommandRunner();
    const port = new FakeIpvsPort();
    const vips = new MemoryVipInterface();
    const backend = new IpvsProxyBackend(port, vips, { netfilter: new IpvsNetfilter(runner) });
    await backend.sync(first);
    // The next plan shares every other service port with the first, as the planner's plans do.
    const table = SortedTable.from(first.servicePorts);
    table.set('bench/svc-7:http/TCP', service(7, 1));
    port.clearOperations();
    runner.calls.length = 0;
    const report = await backend.sync({ ...first, servicePorts: table.view() });
    // Service 7 had 70..79 and now has 71..80: 10.100.0.80 comes, 10.100.0.70 goes (weight 0,
    // then, no connection left in the one dump of that virtual service, deleted).
    assert.deepEqual(port.operations.map((one) => `${one.operation} ${one.service} ${one.server ?? '-'}`), [
      'addRealServer TCP 10.96.0.7:80 10.100.0.80:8080',
      'editRealServer TCP 10.96.0.7:80 10.100.0.70:8080',
      'listRealServers TCP 10.96.0.7:80 -',
      'deleteRealServer TCP 10.96.0.7:80 10.100.0.70:8080',
    ]);
    // 10.100.0.80:8080 is service 8's first endpoint too: its hairpin member is in the set
    // already (counted twice now), so only the member of 10.100.0.70 goes.
    assert.deepEqual(runner.calls.map((call) => [call.command, ...call.args].join(' ')), ['ipset restore']);
    assert.deepEqual(runner.calls[0]?.input?.trim().split('\n'), ['del kube-router-hairpin 10.100.0.70,tcp:8080,10.100.0.70 -exist']);
    assert.deepEqual({ changed: report.changed, unchanged: report.unchanged, full: report.full, lines: report.payload?.lines }, { changed: 1, unchanged: 999, full: false, lines: 1 });
    assert.equal(vips.applyCount, 1, 'the VIPs were written at the first sync only');
    // A change that moves no set member writes nothing to netfilter.
    const affinity = SortedTable.from(table.view());
    affinity.set('bench/svc-9:http/TCP', { ...service(9, 0), kubeRouter: { scheduler: 'sh' } });
    runner.calls.length = 0;
    const quiet = await backend.sync({ ...first, servicePorts: affinity.view() });
    assert.deepEqual({ calls: runner.calls.length, lines: quiet.payload?.lines }, { calls: 0, lines: 0 });
    backend.close();
  });

  it('the short circuit: pods and the node DNATed from a Local LoadBalancer and NodePort to the cluster IP; an endpoint change leaves the chain alone (rules checked by hand)', async () => {
    const local = { trafficPolicy: 'Local' as const, endpoints: 'local' as const, masquerade: 'never' as const, shortCircuit: { endpoints: 'cluster' as const, masqueradeFromNode: true as const } };
    const servicePort = (ips: string[], balancer = '172.18.0.50'): ServicePortPlan => ({
      ...web(ips),
      frontends: [
        { ...web(ips).frontends[0]!, noEndpoints: undefined },
        { ...web(ips).frontends[1]!, ...local, noEndpoints: undefined },
        { kind: 'LoadBalancer', ip: balancer, family: 'IPv4', port: 80, sourceRanges: [], ...local },
      ],
    });
    const runner = new RecordingCommandRunner();
    const netfilter = new IpvsNetfilter(runner);
    await netfilter.apply(plan(servicePort(['10.244.1.2'])), [], true);
    const chain = runner.calls.filter((call) => call.command === 'iptables-restore').map((call) => call.input ?? '').find((input) => input.includes(':KUBE-ROUTER-SHORT-CIRCUIT'));
    assert.deepEqual(chain?.trim().split('\n'), [
      '*nat',
      ':KUBE-ROUTER-SHORT-CIRCUIT - [0:0]',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 192.168.50.1/32 -p tcp -m tcp --dport 30080 -m addrtype --src-type LOCAL -m comment --comment "short circuit from this node" -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 192.168.50.1/32 -p tcp -m tcp --dport 30080 -m addrtype --src-type LOCAL -j DNAT --to-destination 10.96.0.10:80',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 192.168.50.1/32 -p tcp -m tcp --dport 30080 -m set --match-set kube-router-pod-subnets src -m comment --comment "short circuit from pods" -j DNAT --to-destination 10.96.0.10:80',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 172.18.0.50/32 -p tcp -m tcp --dport 80 -m addrtype --src-type LOCAL -m comment --comment "short circuit from this node" -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 172.18.0.50/32 -p tcp -m tcp --dport 80 -m addrtype --src-type LOCAL -j DNAT --to-destination 10.96.0.10:80',
      '-A KUBE-ROUTER-SHORT-CIRCUIT -d 172.18.0.50/32 -p tcp -m tcp --dport 80 -m set --match-set kube-router-pod-subnets src -m comment --comment "short circuit from pods" -j DNAT --to-destination 10.96.0.10:80',
      'COMMIT',
    ]);
    runner.calls.length = 0;
    await netfilter.apply(plan(servicePort(['10.244.1.3'])), ['app/web:http/TCP'], false);
    assert.deepEqual(runner.calls.map((call) => call.command), ['ipset'], 'an endpoint change: set members only');
    runner.calls.length = 0;
    await netfilter.apply(plan(servicePort(['10.244.1.3'], '172.18.0.51')), ['app/web:http/TCP'], false);
    const rewritten = runner.calls.find((call) => call.command === 'iptables-restore')?.input ?? '';
    assert.match(rewritten, /-d 172\.18\.0\.51\/32 .*DNAT --to-destination 10\.96\.0\.10:80/);
    assert.doesNotMatch(rewritten, /172\.18\.0\.50/);
    // Without a Cluster-policy cluster IP there is nowhere to send it: left out and told.
    const skips: string[] = [];
    const backend = new IpvsProxyBackend(new FakeIpvsPort(), new MemoryVipInterface(), { onSkip: (line) => skips.push(line) });
    const onlyLocal = servicePort(['10.244.1.2']);
    await backend.sync(plan({ ...onlyLocal, frontends: onlyLocal.frontends.slice(1) }));
    assert.equal(skips.length, 2);
    assert.match(skips[0] ?? '', /the short circuit of its NodePort IPv4 frontend needs a cluster IP with the Cluster policy and is not implemented yet without one/);
    backend.close();
  });
  it('service CIDR addresses no VIP holds are refused: TCP reset, else ICMP, from INPUT, FORWARD and OUTPUT, both families (payload checked by hand); a deleted service only leaves the VIP set', async () => {
    // No jump is there yet (-C fails), and cleanup finds each one once (the second -D fails).
    const deleted = new Set<string>();
    const runner = new RecordingCommandRunner().respond((call) => {
      if (!call.command.endsWith('tables')) return undefined;
      if (call.args.includes('-C')) return { exitCode: 1 };
      const rule = [call.command, ...call.args].join(' ');
      if (call.args.includes('-D') && deleted.has(rule)) return { exitCode: 1 };
      deleted.add(rule);
      return undefined;
    });
    const netfilter = new IpvsNetfilter(runner);
    const v6 = { ...web(['10.244.1.2'], 'app/web6:http/TCP'), frontends: [{ ...web(['10.244.1.2']).frontends[0]!, ip: 'fd00:96::10', family: 'IPv6' as const }], clusterEndpoints: [], hairpinMasquerade: false };
    await netfilter.apply(withServiceCIDRs(['10.96.0.0/16', 'fd00:96::/112'], web(['10.244.1.2']), v6), [], true);
    const ipset = runner.calls.find((call) => call.command === 'ipset')?.input?.split('\n') ?? [];
    for (const line of [
      'create kube-router-service-cidrs hash:net family inet maxelem 1048576 -exist',
      'create inet6:kube-router-service-cidrs hash:net family inet6 maxelem 1048576 -exist',
      'add kube-router-service-cidrs 10.96.0.0/16 -exist',
      'add inet6:kube-router-service-cidrs fd00:96::/112 -exist',
      'add kube-router-svip 10.96.0.10 -exist',
      'add inet6:kube-router-svip fd00:96::10 -exist',
    ]) assert.ok(ipset.includes(line), `${line} in\n${ipset.join('\n')}`);
    const chainOf = (tool: string): string[] => (runner.calls.find((call) => call.command === tool && (call.input ?? '').includes(':KUBE-ROUTER-SERVICES'))?.input ?? '')
      .split('\n').filter((line) => line.includes('KUBE-ROUTER-SERVICE-CIDRS'));
    assert.deepEqual(chainOf('iptables-restore'), [
      ':KUBE-ROUTER-SERVICE-CIDRS - [0:0]',
      '-A KUBE-ROUTER-SERVICE-CIDRS -p tcp -m set --match-set kube-router-service-cidrs dst -m set ! --match-set kube-router-svip dst -m conntrack --ctstate NEW -m comment --comment "no service holds this address" -j REJECT --reject-with tcp-reset',
      '-A KUBE-ROUTER-SERVICE-CIDRS -m set --match-set kube-router-service-cidrs dst -m set ! --match-set kube-router-svip dst -m conntrack --ctstate NEW -m comment --comment "no service holds this address" -j REJECT --reject-with icmp-port-unreachable',
    ]);
    assert.deepEqual(chainOf('ip6tables-restore'), [
      ':KUBE-ROUTER-SERVICE-CIDRS - [0:0]',
      '-A KUBE-ROUTER-SERVICE-CIDRS -p tcp -m set --match-set inet6:kube-router-service-cidrs dst -m set ! --match-set inet6:kube-router-svip dst -m conntrack --ctstate NEW -m comment --comment "no service holds this address" -j REJECT --reject-with tcp-reset',
      '-A KUBE-ROUTER-SERVICE-CIDRS -m set --match-set inet6:kube-router-service-cidrs dst -m set ! --match-set inet6:kube-router-svip dst -m conntrack --ctstate NEW -m comment --comment "no service holds this address" -j REJECT --reject-with icmp6-port-unreachable',
    ]);
    const jumps = runner.calls.filter((call) => call.args.includes('-I') && call.args.includes('KUBE-ROUTER-SERVICE-CIDRS')).map((call) => [call.command, ...call.args].join(' '));
    assert.deepEqual(jumps, ['iptables', 'ip6tables'].flatMap((tool) => ['INPUT', 'FORWARD', 'OUTPUT'].map((chain) => `${tool} -w -t filter -I ${chain} 1 -j KUBE-ROUTER-SERVICE-CIDRS`)));
    // The service deleted: its VIP leaves kube-router-svip, so its address falls under the refusal; no rule is written.
    runner.calls.length = 0;
    await netfilter.apply(withServiceCIDRs(['10.96.0.0/16', 'fd00:96::/112'], v6), ['app/web:http/TCP'], false);
    assert.deepEqual(runner.calls.map((call) => call.command), ['ipset']);
    assert.match(runner.calls[0]?.input ?? '', /^del kube-router-svip 10\.96\.0\.10 -exist$/m);
    assert.doesNotMatch(runner.calls[0]?.input ?? '', /service-cidrs/);
    // Cleanup takes the jumps and the chain away, and destroys the set.
    runner.calls.length = 0;
    await netfilter.cleanup();
    const removal = runner.calls.find((call) => call.command === 'iptables-restore')?.input ?? '';
    assert.match(removal, /^-X KUBE-ROUTER-SERVICE-CIDRS$/m);
    assert.deepEqual(
      [...new Set(runner.calls.filter((call) => call.command === 'iptables' && call.args.includes('KUBE-ROUTER-SERVICE-CIDRS')).map((call) => call.args.join(' ')))],
      ['INPUT', 'FORWARD', 'OUTPUT'].map((chain) => `-w -t filter -D ${chain} -j KUBE-ROUTER-SERVICE-CIDRS`),
    );
    assert.ok(runner.calls.some((call) => call.command === 'ipset' && call.input === 'destroy inet6:kube-router-service-cidrs\n'));
  });
  it('an IPv6 cluster CIDR without IPv6 frontends still gets its family\'s sets and rules (its member would otherwise name a set never created)', async () => {
    const runner = new RecordingCommandRunner();
    const dual = { ...plan(web(['10.244.1.2'])), settings: { ...plan().settings, clusterCIDRs: ['10.244.0.0/16', 'fd00:244::/56'] } };
    await new IpvsNetfilter(runner).apply(dual, [], true);
    const ipset = runner.calls.find((call) => call.command === 'ipset')?.input?.split('\n') ?? [];
    assert.ok(ipset.includes('create inet6:kube-router-pod-subnets hash:net family inet6 maxelem 1048576 -exist'), ipset.join('\n'));
    assert.ok(ipset.includes('add inet6:kube-router-pod-subnets fd00:244::/56 -exist'), ipset.join('\n'));
    assert.ok(runner.calls.some((call) => call.command === 'ip6tables-restore' && (call.input ?? '').includes(':KUBE-ROUTER-SERVICES')));
  });
});
