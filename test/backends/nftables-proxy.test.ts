import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NetnsCommandRunner } from '../../src/exec/netns-command-runner.js';
import { NftablesProxyBackend } from '../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { renderProxyTable, servicePortId } from '../../src/backends/nftables/proxy/proxy-table-render.js';
import { BackendError } from '../../src/core/errors.js';
import { ExecCommandRunner } from '../../src/exec/exec-command-runner.js';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from './contract/fixtures/proxy-plans.js';
import { skipUnlessRoot } from '../lab/root-helpers.js';

describe('nftables proxy table render (golden lines checked by hand)', () => {
  const text = renderProxyTable(proxyPlan());

  it('dispatches the ClusterIP of web to the shared 2-endpoint balancer that masquerades sources outside the cluster CIDRs', () => {
    assert.ok(text.includes('172.16.0.10 . tcp . 80 : goto vip-cluster-outside-2'));
    assert.ok(text.includes('ip saddr != @cluster-cidrs meta mark set meta mark | 0x4000\n    dnat to ip daddr . meta l4proto . th dport . numgen random mod 2 map @vip-cluster-endpoints'));
    assert.ok(text.includes('172.16.0.10 . tcp . 80 . 0 : 10.1.1.5 . 8080'));
    assert.ok(text.includes('172.16.0.10 . tcp . 80 . 1 : 10.1.2.7 . 8080'));
  });

  it('masquerades every NodePort packet of web (policy always) and listens on the NodePort addresses only', () => {
    assert.ok(text.includes('tcp . 30080 : goto np-cluster-always-2'));
    assert.ok(text.includes('  set nodeport-addrs {\n    type ipv4_addr\n    elements = { 192.168.50.11 }'));
    assert.ok(text.includes('ip daddr @nodeport-addrs meta l4proto . th dport vmap @np-frontends'));
  });

  it('gives the Local load balancer a short circuit: node sources masqueraded, pods not, others to the local endpoint', () => {
    const id = servicePortId('shop/api:https/TCP');
    assert.ok(text.includes(`172.16.200.1 . tcp . 443 : goto sc-${id}-1`));
    assert.ok(text.includes(`  chain sc-${id}-1 {\n    ip saddr @node-addrs meta mark set meta mark | 0x4000 goto vip-cluster-never-2\n    ip saddr @cluster-cidrs goto vip-cluster-never-2\n    goto vip-local-never-1\n  }`));
    assert.ok(text.includes(`  chain check-${id}-1 {\n    ip saddr != { 198.51.100.0/24 } drop\n  }`));
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
    assert.ok(!rendered.includes('172.16.0.10 . tcp . 80 : goto vip-'));
    assert.ok(rendered.includes('ip saddr != { 198.51.100.0/24 } drop\n    goto drop-unless-short-circuit'));
  });

  it('lets names reach the payload only hashed', () => {
    const hostile = proxyServicePorts().map((port) => ({ ...port, key: `${port.key}"; flush ruleset; #`, portName: 'x; flush ruleset' }));
    const rendered = renderProxyTable(proxyPlanWith(hostile));
    assert.ok(!rendered.includes('flush'));
    assert.ok(!rendered.includes('shop'));
  });
});

describe('NftablesProxyBackend with a recording runner', () => {
  it('sends one nft -f - transaction that replaces only its own table, and nothing when the plan is unchanged', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    await backend.sync(proxyPlan());
    assert.equal(runner.calls.length, 1);
    const call = runner.calls[0]!;
    assert.deepEqual([call.command, ...call.args], ['nft', '-f', '-']);
    assert.ok(call.input?.startsWith('table ip kube-router-proxy {}\ndelete table ip kube-router-proxy\ntable ip kube-router-proxy {'));
    assert.ok(!call.input?.includes('flush ruleset'));
  });

  it('keeps the previous plan when the transaction is rejected', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    runner.respondTo('nft', { exitCode: 1, stderr: 'Error: rejected' });
    const smaller = proxyPlanWith(proxyServicePorts().slice(0, 1));
    await assert.rejects(backend.sync(smaller), BackendError);
    assert.equal((await backend.describe()).plan?.servicePorts.size, 4);
  });
});

describe('nftables proxy payload on the kernel (root, in a namespace of its own)', function () {
  this.timeout(20_000);
  const netns = `nftp-${randomBytes(3).toString('hex')}`;
  const exec = new ExecCommandRunner(10_000);
  before(async function () {
    skipUnlessRoot(this);
    await exec.run('ip', ['netns', 'add', netns]);
  });
  after(async () => {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });

  it('passes nft -c and loads, and a rejected transaction leaves the previous table', async () => {
    const runner = new NetnsCommandRunner(exec, netns);
    const backend = new NftablesProxyBackend(runner);
    await runner.run('nft', ['-c', '-f', '-'], { input: renderProxyTable(proxyPlan()) });
    await backend.sync(proxyPlan());
    const before = (await runner.run('nft', ['list', 'table', 'ip', 'kube-router-proxy'])).stdout;
    assert.ok(before.includes('172.16.0.10 . tcp . 80 : goto vip-cluster-outside-2'));
    const broken = proxyServicePorts().map((port) => ({ ...port, protocol: 'TCP' as const, frontends: port.frontends.map((f) => ({ ...f, ip: f.ip === undefined ? undefined : '300.1.1.1' })) }));
    await assert.rejects(backend.sync(proxyPlanWith(broken)), BackendError);
    assert.equal((await runner.run('nft', ['list', 'table', 'ip', 'kube-router-proxy'])).stdout, before);
    await backend.cleanup();
    const tables = (await runner.run('nft', ['list', 'tables'])).stdout;
    assert.equal(tables.trim(), '');
  });
});
