import assert from 'node:assert/strict';
import { IptablesProxyBackend } from '../../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { BackendError } from '../../../src/core/errors.js';
import type { ProxyPlan } from '../../../src/core/plan/proxy-plan.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from '../contract/fixtures/proxy-plans.js';
import { hostilePorts, ipv6Ports, webWithEndpoint } from '../../fixtures/iptables-proxy/plans.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

/** `iptables-save` without its timestamps and counters, for before/after comparisons. */
function stable(saved: string): string {
  return saved.split('\n').filter((line) => !line.startsWith('#')).map((line) => line.replace(/\[\d+:\d+\]/g, '')).join('\n');
}

/** `iptables-save` as each chain's rules in order, chains sorted by name: independent of the order chains were created in. */
function byChain(saved: string): string {
  const chains = new Map<string, string[]>();
  let table = '';
  for (const line of stable(saved).split('\n')) {
    if (line.startsWith('*')) table = line;
    else if (line.startsWith(':')) chains.set(`${table} ${line.slice(1).split(' ')[0]}`, []);
    else if (line.startsWith('-A ')) chains.get(`${table} ${line.split(' ')[1]}`)?.push(line);
  }
  return [...chains].sort(([a], [b]) => a.localeCompare(b)).map(([name, rules]) => [name, ...rules].join('\n')).join('\n');
}

/** Every plan shape the tests render, v4 and v6. */
function renderedPlans(): [string, ProxyPlan][] {
  const noEndpoints = proxyServicePorts().map((port) => ({
    ...port, clusterEndpoints: [], localEndpoints: [], frontends: port.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })),
  }));
  return [
    ['fixture', proxyPlan()],
    ['one endpoint more', proxyPlanWith(webWithEndpoint('10.1.2.9'))],
    ['no endpoints', proxyPlanWith(noEndpoints)],
    ['nodePortAddresses, localhost NodePorts, two cluster CIDRs', proxyPlanWith(proxyServicePorts(), {
      nodePortAddressFilter: ['192.168.50.0/24'], localhostNodePorts: true, clusterCIDRs: ['10.1.0.0/16', '10.2.0.0/16'],
    })],
    ['hostile names', proxyPlanWith(hostilePorts())],
    ['IPv6', proxyPlanWith(ipv6Ports(), {
      clusterCIDRs: ['fd00:1::/64', 'fd00:2::/64'], nodeAddresses: [{ ip: 'fd00:50::11', family: 'IPv6' }],
      nodePortAddresses: [{ ip: 'fd00:50::11', family: 'IPv6' }],
    })],
  ];
}

describe('IptablesProxyBackend payloads on the kernel (root, in a namespace of its own)', function () {
  this.timeout(60_000);
  const { runner } = useScratchNetns('kripk-', 20_000);

  it('renders payloads that iptables-restore --test and ip6tables-restore --test accept, first and partial syncs', async () => {
    const recorder = new RecordingCommandRunner();
    const backend = new IptablesProxyBackend(recorder);
    for (const [, plan] of renderedPlans()) await backend.sync(plan);
    const payloads = recorder.calls.filter((call) => call.command.endsWith('-restore'));
    assert.ok(payloads.some((call) => call.command === 'ip6tables-restore'));
    assert.ok(payloads.length >= renderedPlans().length);
    for (const call of payloads) {
      await runner.run(call.command, ['--test', '--noflush', '-w'], { input: call.input ?? '' });
    }
  });

  it('after each partial sync the kernel holds what a full rewrite of the same plan holds (both families)', async () => {
    const backend = new IptablesProxyBackend(runner);
    const saved = async (): Promise<string> => `${byChain((await runner.run('iptables-save', [])).stdout)}\n${byChain((await runner.run('ip6tables-save', [])).stdout)}`;
    try {
      const v6 = ipv6Ports().map((port) => ({ ...port, key: `${port.key}-v6` }));
      const sequence: [string, ProxyPlan][] = [
        ...renderedPlans(),
        ['back to the fixture', proxyPlan()],
        ['one endpoint more again', proxyPlanWith(webWithEndpoint('10.1.2.9'))],
        ['hostile names, same settings', proxyPlanWith(hostilePorts())],
        ['dual stack', proxyPlanWith([...proxyServicePorts(), ...v6])],
        ['dual stack, one IPv6 endpoint less', proxyPlanWith([...proxyServicePorts(), ...v6.map((port) => ({ ...port, clusterEndpoints: port.clusterEndpoints.slice(1) }))])],
        ['dual stack, no IPv6 endpoints', proxyPlanWith([...proxyServicePorts(), ...v6.map((port) => ({
          ...port, clusterEndpoints: [], localEndpoints: [], frontends: port.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })),
        }))])],
        ['IPv4 only again', proxyPlan()],
      ];
      let partial = 0;
      for (const [name, plan] of sequence) {
        const report = await backend.sync(plan);
        if (!report.full) partial++;
        const incremental = await saved();
        await backend.sync(plan, { resync: true });
        assert.equal(incremental, await saved(), name);
      }
      assert.ok(partial >= 7, `partial syncs were exercised (${partial})`);
    } finally {
      await backend.cleanup();
    }
  });

  it('programs hostile names with no rule they injected (iptables-save shows only our chains and jumps)', async () => {
    const backend = new IptablesProxyBackend(runner);
    try {
      await backend.sync(proxyPlanWith(hostilePorts()));
      const saved = (await runner.run('iptables-save', [])).stdout;
      const rules = saved.split('\n').filter((line) => line.startsWith('-A ')).map((line) => line.replace(/--comment "[^"]*"/g, ''));
      assert.ok(rules.length > 30);
      assert.ok(rules.every((line) => !line.includes('ACCEPT')));
      for (const line of saved.split('\n').filter((l) => l.startsWith('-A '))) assert.match(line, /^-A (KR-\S+|PREROUTING|OUTPUT|POSTROUTING|INPUT|FORWARD) /);
      assert.match(saved, /--to-destination 10\.1\.1\.5:8080/);
    } finally {
      await backend.cleanup();
    }
  });

  it('leaves the previous rules when the kernel rejects a payload, and writes the change on the retry', async () => {
    const backend = new IptablesProxyBackend(runner);
    try {
      await backend.sync(proxyPlan());
      const before = stable((await runner.run('iptables-save', [])).stdout);
      // A cluster IP the kernel refuses: the whole payload of the family is refused.
      const broken = proxyServicePorts().map((port) => port.key === 'default/web:http/TCP'
        ? { ...port, frontends: port.frontends.map((f) => (f.kind === 'ClusterIP' ? { ...f, ip: '300.1.1.1' } : f)) }
        : port);
      await assert.rejects(backend.sync(proxyPlanWith(broken)), BackendError);
      assert.equal(stable((await runner.run('iptables-save', [])).stdout), before);
      const report = await backend.sync(proxyPlanWith(webWithEndpoint('10.1.2.9')));
      assert.equal(report.changed, 1);
      assert.match((await runner.run('iptables-save', ['-t', 'nat'])).stdout, /--to-destination 10\.1\.2\.9:8080/);
    } finally {
      await backend.cleanup();
    }
  });

  it('cleanup removes all of ours in both families and nothing else (foreign chains and rules in nat and filter stay)', async () => {
    const foreign = [
      '*nat', ':FOREIGN-NAT - [0:0]', '-A FOREIGN-NAT -d 10.9.9.9/32 -j RETURN', '-A PREROUTING -j FOREIGN-NAT', 'COMMIT',
      '*filter', ':FOREIGN-FILTER - [0:0]', '-A FOREIGN-FILTER -s 10.9.9.9/32 -j DROP', '-A INPUT -j FOREIGN-FILTER', '-A FORWARD -j FOREIGN-FILTER', 'COMMIT', '',
    ].join('\n');
    await runner.run('iptables-restore', ['--noflush', '-w'], { input: foreign });
    await runner.run('ip6tables-restore', ['--noflush', '-w'], { input: foreign.replace('10.9.9.9/32', 'fd00:9::9/128').replace('10.9.9.9/32', 'fd00:9::9/128') });
    const before4 = stable((await runner.run('iptables-save', [])).stdout);
    const before6 = stable((await runner.run('ip6tables-save', [])).stdout);
    const backend = new IptablesProxyBackend(runner);
    await backend.sync(proxyPlanWith([...proxyServicePorts(), ...ipv6Ports().map((port) => ({ ...port, key: `${port.key}-v6` }))]));
    await backend.sync(proxyPlanWith(webWithEndpoint('10.1.2.9')));
    const during = (await runner.run('ip6tables-save', [])).stdout;
    assert.match(during, /-A PREROUTING -m comment --comment "kube-router service portals" -j KR-SERVICES/);
    await backend.cleanup();
    assert.equal(stable((await runner.run('iptables-save', [])).stdout), before4);
    assert.equal(stable((await runner.run('ip6tables-save', [])).stdout), before6);
    assert.match(before4, /-A PREROUTING -j FOREIGN-NAT/);
  });
});
