import assert from 'node:assert/strict';
import { FakeIpvsPort, IpvsNetfilter, IpvsProxyBackend, MemoryVipInterface, servicePortMembers } from '../../src/backends/ipvs/index.js';
import { fragmentMapOf } from '../../src/core/plan/fragment-map.js';
import type { ProxyEndpoint, ProxyPlan, ServicePortPlan } from '../../src/core/plan/proxy-plan.js';
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
  return {
    node: 'node-a',
    settings: {
      clusterCIDRs: ['10.244.0.0/16'],
      serviceCIDRs: [],
      masqueradeAll: false,
      nodeAddresses: [{ ip: '192.168.50.1', family: 'IPv4' }],
      nodePortAddressFilter: [],
      nodePortAddresses: [{ ip: '192.168.50.1', family: 'IPv4' }],
      localhostNodePorts: false,
    },
    servicePorts: fragmentMapOf(ports, (port) => port.key),
  };
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
    assert.equal(runner.calls.filter((call) => call.command === 'iptables' && call.args.includes('-I')).length, 4);
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
});
