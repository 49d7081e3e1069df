import assert from 'node:assert/strict';
import { NftablesProxyBackend } from '../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { renderProxyTable, servicePortId } from '../../src/backends/nftables/proxy/proxy-table-render.js';
import { BackendError } from '../../src/core/errors.js';
import type { ServicePortPlan } from '../../src/core/plan/proxy-plan.js';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from './contract/fixtures/proxy-plans.js';
import { useScratchNetns } from '../support/scratch-netns.js';

const SHOP = servicePortId('shop/api:https/TCP');

function withWebEndpoints(ips: readonly string[]): ServicePortPlan[] {
  return proxyServicePorts().map((port) =>
    port.key === 'default/web:http/TCP'
      ? { ...port, clusterEndpoints: ips.map((ip) => ({ ...port.clusterEndpoints[0]!, ip, local: ip === '10.1.1.5', nodeName: ip === '10.1.1.5' ? 'node-a' : 'node-b' })) }
      : port,
  );
}

function hostilePorts(): ServicePortPlan[] {
  return proxyServicePorts().map((port) => ({
    ...port,
    key: `${port.key}"; flush ruleset; #}\n`,
    service: 'x"\n}; delete table inet filter #',
    portName: 'x; flush ruleset',
  }));
}

describe('nftables proxy table render (golden lines checked by hand against the fixture plan)', () => {
  const text = renderProxyTable(proxyPlan());

  it('dispatches the ClusterIP of web to the shared 2-endpoint balancer that masquerades sources outside the cluster CIDRs', () => {
    assert.ok(text.includes('172.16.0.10 . tcp . 80 : goto bal-vip4-cluster-outside-2'));
    // The TCP-only copy of the DNAT comes first (see balancerRules: nft 1.0.6 ties the map's first reader to TCP).
    const dnat = 'dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @vip-cluster-endpoints-4';
    assert.ok(text.includes(`  chain bal-vip4-cluster-outside-2 {\n    ip saddr != @cluster-cidrs-4 meta mark set meta mark | 0x4000\n    meta l4proto tcp ${dnat}\n    ${dnat}\n  }`));
    assert.ok(text.includes('172.16.0.10 . tcp . 80 . 0 : 10.1.1.5 . 8080'));
    assert.ok(text.includes('172.16.0.10 . tcp . 80 . 1 : 10.1.2.7 . 8080'));
  });

  it('masquerades every NodePort packet of web (policy always), on local addresses but loopback when no filter is given', () => {
    assert.ok(text.includes('tcp . 30080 : goto bal-np4-cluster-always-2'));
    assert.ok(text.includes('meta nfproto ipv4 fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @nodeports-4'));
    const filtered = renderProxyTable(proxyPlanWith(proxyServicePorts(), { nodePortAddressFilter: ['192.168.50.0/24'] }));
    assert.ok(filtered.includes('ip daddr @nodeport-addrs-4 meta l4proto . th dport vmap @nodeports-4'));
  });

  it('gives the Local load balancer a short circuit (node sources masqueraded, pods not) and its source ranges', () => {
    assert.ok(text.includes(`172.16.200.1 . tcp . 443 : goto sc-${SHOP}-1`));
    assert.ok(text.includes(`  chain sc-${SHOP}-1 {\n    ip saddr @node-addrs-4 meta mark set meta mark | 0x4000 goto aff-${SHOP}-1-cluster\n    ip saddr @cluster-cidrs-4 goto aff-${SHOP}-1-cluster\n    goto aff-${SHOP}-1-local\n  }`));
    assert.ok(text.includes(`  chain check-${SHOP}-1 {\n    ip saddr != { 198.51.100.0/24 } drop\n  }`));
  });

  it('keeps ClientIP affinity in one dynamic set per endpoint with the plan timeout, sticky lookups before numgen', () => {
    const sets = text.match(/set clients-[0-9a-f]{12} \{ type ipv4_addr; flags dynamic,timeout; timeout 10800s; \}/g) ?? [];
    assert.equal(sets.length, 2);
    assert.match(text, new RegExp(`chain aff-${SHOP}-0-cluster \\{\\n    ip saddr != @cluster-cidrs-4 meta mark set meta mark \\| 0x4000\\n    ip saddr @clients-[0-9a-f]{12} meta l4proto tcp dnat ip to 10.1.1.12:8443\\n    ip saddr @clients-[0-9a-f]{12} meta l4proto tcp dnat ip to 10.1.2.11:8443\\n    numgen random mod 2 vmap \\{ 0 : goto aff-${SHOP}-0-cluster-0, 1 : goto aff-${SHOP}-0-cluster-1 \\}`));
    assert.match(text, new RegExp(`chain aff-${SHOP}-0-cluster-0 \\{\\n    update @clients-[0-9a-f]{12} \\{ ip saddr \\}\\n    meta l4proto tcp dnat ip to 10.1.1.12:8443`));
  });

  it('rejects a frontend without endpoints before DNAT, and drops a Local one without local endpoints except on the short circuit', () => {
    const ports = proxyServicePorts().map((port) =>
      port.key === 'default/web:http/TCP'
        ? { ...port, clusterEndpoints: [], frontends: port.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })) }
        : port.key === 'shop/api:https/TCP'
          ? { ...port, localEndpoints: [], frontends: port.frontends.map((f) => (f.kind === 'LoadBalancer' ? { ...f, noEndpoints: 'DROP' as const } : f)) }
          : port,
    );
    const rendered = renderProxyTable(proxyPlanWith(ports));
    assert.ok(rendered.includes('172.16.0.10 . tcp . 80 : goto reject-packet'));
    assert.ok(rendered.includes('tcp . 30080 : goto reject-packet'));
    assert.ok(!rendered.includes('172.16.0.10 . tcp . 80 : goto bal-'));
    assert.ok(rendered.includes('ip saddr != { 198.51.100.0/24 } drop\n    goto drop-unless-short-circuit-4'));
  });

  it('renders IPv6 frontends into the ip6 maps and chains', () => {
    const v6: ServicePortPlan = {
      ...proxyServicePorts()[0]!,
      key: 'default/web6:http/TCP',
      frontends: [{ kind: 'ClusterIP', ip: 'fd00::10', family: 'IPv6', port: 80, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'outside-cluster-cidrs' }],
      clusterEndpoints: [{ ip: 'fd01::5', family: 'IPv6', port: 8080, local: true, ready: true, serving: true, terminating: false }],
    };
    const rendered = renderProxyTable(proxyPlanWith([v6], { clusterCIDRs: ['10.1.0.0/16', 'fd01::/48'] }));
    assert.ok(rendered.includes('fd00::10 . tcp . 80 : goto bal-vip6-cluster-outside-1'));
    assert.ok(rendered.includes('fd00::10 . tcp . 80 . 0 : fd01::5 . 8080'));
    assert.ok(rendered.includes('dnat ip6 to ip6 daddr . meta l4proto . th dport . numgen random mod 1 map @vip-cluster-endpoints-6'));
    assert.ok(rendered.includes('elements = { fd01::5 . fd01::5 }'));
  });

  // Checked by hand against the TSDoc of unallocatedServiceChains; the kernel side is in nftables/proxy-traffic.test.ts.
  it('refuses service CIDR addresses no dispatch entry took, after DNAT, per family; the localnet guard only with localhost NodePorts', () => {
    const rendered = renderProxyTable(proxyPlanWith(proxyServicePorts(), { serviceCIDRs: ['10.96.0.0/12', 'fd00::/108'] }));
    assert.match(rendered, /set service-cidrs-4 \{\n {4}type ipv4_addr; flags interval; auto-merge;\n {4}elements = \{ 10\.96\.0\.0\/12 \}/);
    assert.match(rendered, /set service-cidrs-6 \{\n {4}type ipv6_addr; flags interval; auto-merge;\n {4}elements = \{ fd00::\/108 \}/);
    assert.ok(rendered.includes('chain reject-unallocated {\n    meta l4proto tcp reject with tcp reset\n    reject\n  }'), rendered);
    assert.ok(rendered.includes('chain service-cidrs-check {\n    ip daddr @service-cidrs-4 goto reject-unallocated\n    ip6 daddr @service-cidrs-6 goto reject-unallocated\n  }'));
    for (const hook of ['input', 'forward', 'output']) {
      assert.ok(rendered.includes(`type filter hook ${hook} priority 0; policy accept;\n    ct state new ct status & dnat == 0 jump service-cidrs-check\n`), hook);
    }
    assert.ok(!rendered.includes('ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8'));
    const localhost = renderProxyTable(proxyPlanWith(proxyServicePorts(), { localhostNodePorts: true }));
    assert.ok(localhost.includes('hook input priority 0; policy accept;\n    ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop\n'));
    // Without service CIDRs the sets are empty and the check matches nothing.
    const none = renderProxyTable(proxyPlanWith(proxyServicePorts(), { serviceCIDRs: [] }));
    assert.match(none, /set service-cidrs-4 \{\n {4}type ipv4_addr; flags interval; auto-merge;\n {2}\}/);
  });

  it('lets user-named text reach the payload only hashed, and skips addresses that are not addresses', () => {
    const hostile = hostilePorts().map((port, index) => (index === 0 ? { ...port, frontends: [{ ...port.frontends[0]!, ip: '1.2.3.4 } ; flush ruleset' }] } : port));
    const rendered = renderProxyTable(proxyPlanWith(hostile));
    for (const text of ['flush', 'shop', 'delete table inet filter', '"', '#']) assert.ok(!rendered.includes(text), text);
  });
});

describe('NftablesProxyBackend with a recording runner', () => {
  it('sends one nft -f - transaction that replaces only its own table first, and nothing when the plan is unchanged', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    await backend.sync(proxyPlan());
    assert.equal(runner.calls.length, 1);
    const call = runner.calls[0]!;
    assert.deepEqual([call.command, ...call.args], ['nft', '-f', '-']);
    assert.ok(call.input?.startsWith('add table inet kube-router-proxy\ndelete table inet kube-router-proxy\ntable inet kube-router-proxy {'));
    assert.ok(!call.input?.includes('flush ruleset'));
  });

  it('adds one endpoint as element updates of that service only (checked by hand: two endpoint elements, two dispatch elements moved to the 3-endpoint balancers)', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    await backend.sync(proxyPlanWith(withWebEndpoints(['10.1.1.5', '10.1.2.7', '10.1.2.9'])));
    const payload = runner.calls[1]!.input ?? '';
    assert.equal(
      payload,
      [
        'add chain inet kube-router-proxy bal-vip4-cluster-outside-3',
        'add chain inet kube-router-proxy bal-np4-cluster-always-3',
        'add rule inet kube-router-proxy bal-vip4-cluster-outside-3 ip saddr != @cluster-cidrs-4 meta mark set meta mark | 0x4000',
        'add rule inet kube-router-proxy bal-vip4-cluster-outside-3 meta l4proto tcp dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @vip-cluster-endpoints-4',
        'add rule inet kube-router-proxy bal-vip4-cluster-outside-3 dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @vip-cluster-endpoints-4',
        'add rule inet kube-router-proxy bal-np4-cluster-always-3 meta mark set meta mark | 0x4000',
        'add rule inet kube-router-proxy bal-np4-cluster-always-3 meta l4proto tcp dnat ip to meta l4proto . th dport . numgen random mod 3 map @np-cluster-endpoints-4',
        'add rule inet kube-router-proxy bal-np4-cluster-always-3 dnat ip to meta l4proto . th dport . numgen random mod 3 map @np-cluster-endpoints-4',
        'delete element inet kube-router-proxy services-4 { 172.16.0.10 . tcp . 80 }',
        'delete element inet kube-router-proxy nodeports-4 { tcp . 30080 }',
        'add element inet kube-router-proxy vip-cluster-endpoints-4 { 172.16.0.10 . tcp . 80 . 2 : 10.1.2.9 . 8080 }',
        'add element inet kube-router-proxy np-cluster-endpoints-4 { tcp . 30080 . 2 : 10.1.2.9 . 8080 }',
        'add element inet kube-router-proxy services-4 { 172.16.0.10 . tcp . 80 : goto bal-vip4-cluster-outside-3 }',
        'add element inet kube-router-proxy nodeports-4 { tcp . 30080 : goto bal-np4-cluster-always-3 }',
        'flush chain inet kube-router-proxy bal-np4-cluster-always-2',
        'delete chain inet kube-router-proxy bal-np4-cluster-always-2',
        '',
      ].join('\n'),
    );
    // The 2-endpoint ClusterIP balancer stays: the DNS ports still use it.
    assert.ok(!payload.includes('delete chain inet kube-router-proxy bal-vip4-cluster-outside-2'));
  });

  it('with localhost NodePorts sets route_localnet before the full table (127.0.0.1 a NodePort address), not on incremental syncs', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlanWith(proxyServicePorts(), { localhostNodePorts: true }));
    assert.deepEqual(runner.calls.map((call) => [call.command, ...call.args].join(' ')), ['sysctl -q -w net.ipv4.conf.all.route_localnet=1', 'nft -f -']);
    const payload = runner.calls[1]!.input ?? '';
    assert.ok(payload.includes('meta nfproto ipv4 fib daddr type local meta l4proto . th dport vmap @nodeports-4'), 'loopback is not excluded');
    assert.ok(payload.includes('  set nodeport-addrs-4 {\n    type ipv4_addr;\n    elements = { 192.168.50.11,\n      127.0.0.1 }'));
    await backend.sync(proxyPlanWith(withWebEndpoints(['10.1.1.5', '10.1.2.7', '10.1.2.9']), { localhostNodePorts: true }));
    assert.deepEqual(runner.calls.slice(2).map((call) => call.command), ['nft']);
  });

  it('keeps the previous plan when route_localnet cannot be set, and sends no table', async () => {
    const runner = new RecordingCommandRunner();
    runner.respond((call) => (call.command === 'sysctl' ? { exitCode: 255, stderr: 'sysctl: permission denied' } : undefined));
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    await assert.rejects(backend.sync(proxyPlanWith(proxyServicePorts(), { localhostNodePorts: true })), BackendError);
    assert.equal((await backend.describe()).plan?.settings.localhostNodePorts, false);
    assert.deepEqual(runner.calls.map((call) => call.command), ['nft', 'sysctl']);
  });

  it('keeps the previous plan and objects when the transaction is rejected, and retries the same change', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    let fail = true;
    runner.respond(() => (fail ? { exitCode: 1, stderr: 'Error: rejected' } : undefined));
    const smaller = proxyPlanWith(proxyServicePorts().slice(0, 1));
    await assert.rejects(backend.sync(smaller), BackendError);
    assert.equal((await backend.describe()).plan?.servicePorts.size, 4);
    fail = false;
    await backend.sync(smaller);
    assert.equal(runner.calls[2]!.input, runner.calls[1]!.input);
  });
});

describe('nftables proxy payloads on the kernel (root, in a namespace of its own)', function () {
  this.timeout(30_000);
  const { runner } = useScratchNetns('nftp-', 15_000);

  it('passes nft -c for every payload rendered above: full tables, an endpoint added, hostile names', async () => {
    const settingsV6 = { clusterCIDRs: ['10.1.0.0/16', 'fd01::/48'] };
    for (const plan of [proxyPlan(), proxyPlanWith(hostilePorts()), proxyPlanWith(proxyServicePorts(), { nodePortAddressFilter: ['192.168.50.0/24'], ...settingsV6 }),
      proxyPlanWith(proxyServicePorts(), { localhostNodePorts: true, serviceCIDRs: ['10.96.0.0/12', '10.96.0.0/16', 'fd00::/108'] })]) {
      await runner.run('nft', ['-c', '-f', '-'], { input: renderProxyTable(plan) });
    }
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    await backend.sync(proxyPlanWith(withWebEndpoints(['10.1.1.5', '10.1.2.7', '10.1.2.9'])));
    await backend.sync(proxyPlanWith(withWebEndpoints(['10.1.2.9'])));
    await backend.sync(proxyPlanWith(proxyServicePorts().slice(1)));
    const listed = (await runner.run('nft', ['list', 'table', 'inet', 'kube-router-proxy'])).stdout;
    assert.ok(!listed.includes('172.16.0.10'), 'web left the table');
    assert.ok(listed.includes('172.16.0.53 . tcp . 53 : goto bal-vip4-cluster-outside-2'));
    await backend.cleanup();
  });

  it('a rejected transaction leaves the previous table; cleanup removes ours and nothing else (whole ruleset before and after)', async () => {
    await runner.run('nft', ['-f', '-'], { input: 'table inet someone-else {\n  chain c {\n    type filter hook input priority 0; policy accept;\n    tcp dport 22 accept\n  }\n}\n' });
    const foreign = (await runner.run('nft', ['list', 'ruleset'])).stdout;
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    const broken = withWebEndpoints(['10.1.1.5']).map((port) => (port.key === 'default/web:http/TCP' ? { ...port, frontends: [{ ...port.frontends[0]!, ip: '10.300.0.1' }] } : port));
    const report = await backend.sync(proxyPlanWith(broken));
    assert.equal(report.changed, 1, 'a frontend that is not an address is skipped, not programmed');
    await backend.sync(proxyPlan());
    const before = (await runner.run('nft', ['list', 'table', 'inet', 'kube-router-proxy'])).stdout;
    const failing = new NftablesProxyBackend({ run: (command, args, options) => runner.run(command, args, { ...options, input: `${options?.input ?? ''}add rule inet kube-router-proxy no-such-chain accept\n` }) });
    await assert.rejects(failing.sync(proxyPlan()), BackendError);
    assert.equal((await runner.run('nft', ['list', 'table', 'inet', 'kube-router-proxy'])).stdout, before);
    await backend.cleanup();
    assert.equal((await runner.run('nft', ['list', 'ruleset'])).stdout, foreign);
    await runner.run('nft', ['delete', 'table', 'inet', 'someone-else']);
  });
});
