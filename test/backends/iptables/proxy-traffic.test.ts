import assert from 'node:assert/strict';
import { IptablesProxyBackend } from '../../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { planServices } from '../../../src/core/planner/services/plan-services.js';
import type { ClusterSnapshot } from '../../../src/core/store/snapshot.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { Lab, type ProbeRequest, type ProbeResult } from '../../../src/lab/index.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';

const FIXTURE = new URL('../../fixtures/iptables-proxy', import.meta.url).pathname;
const CLIENT = '192.168.77.250';
const WEB = ['default/web-a', 'default/web-a2', 'default/web-b'];

/**
 * Real traffic through the iptables proxy in a lab of its own (test/fixtures/iptables-proxy):
 * each node namespace programmed by an IptablesProxyBackend with the planner's plan of that
 * node, pod routes between the nodes added by hand. The pod servers report who answered and
 * the source they saw.
 */
describe('IptablesProxyBackend carries real traffic in a lab (root)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  const backends: IptablesProxyBackend[] = [];
  const up = (): Lab => lab as Lab;
  const probe = (request: ProbeRequest): Promise<ProbeResult> => up().probe(request);
  const many = (count: number, request: ProbeRequest): Promise<ProbeResult[]> => up().probeAll(Array.from({ length: count }, () => request));

  before(async function () {
    skipUnlessRoot(this);
    const { snapshot } = await loadCluster([FIXTURE]);
    lab = await Lab.up(snapshot as ClusterSnapshot, { clientAddress: CLIENT });
    const exec = new ExecCommandRunner(30_000);
    await up().exec('node-a', ['ip', 'route', 'replace', '10.77.2.0/24', 'via', '192.168.77.12']);
    await up().exec('node-b', ['ip', 'route', 'replace', '10.77.1.0/24', 'via', '192.168.77.11']);
    for (const node of ['node-a', 'node-b']) {
      // As on a real node: a default route (so a packet to a VIP without endpoints reaches the
      // filter table's REJECT instead of failing routing), and hairpin mode on the pod bridge
      // ports, as kube-router's bridge CNI configuration sets (an endpoint reaching itself).
      await up().exec(node, ['ip', 'route', 'replace', 'default', 'dev', 'eth0']);
      const ports = JSON.parse((await up().exec(node, ['ip', '-j', 'link', 'show', 'master', 'kube-bridge'])).stdout) as { ifname: string }[];
      for (const { ifname } of ports) await up().exec(node, ['ip', 'link', 'set', 'dev', ifname, 'type', 'bridge_slave', 'hairpin', 'on']);
    }
    // The client reaches the load balancer IPs through node-b (as a provider's router would).
    await up().execIn('client', ['ip', 'route', 'replace', '203.0.113.0/24', 'via', '192.168.77.12']);
    for (const node of ['node-a', 'node-b']) {
      const backend = new IptablesProxyBackend(new NetnsCommandRunner(exec, up().nodeNetns(node)));
      await backend.sync(planServices(snapshot as ClusterSnapshot, node, { clusterCIDRs: ['10.77.0.0/16'], serviceCIDRs: ['10.96.0.0/16'] }));
      backends.push(backend);
    }
  });
  after(async () => {
    for (const backend of backends) await backend.cleanup().catch(() => undefined);
    await lab?.down();
  });

  it('ClusterIP from a pod on the same node and from another node, the pod source kept', async () => {
    const [same, other] = await up().probeAll([
      { from: 'default/tester-a', to: '10.96.0.10', port: 80, protocol: 'tcp' },
      { from: 'default/tester-b', to: '10.96.0.10', port: 80, protocol: 'tcp' },
    ]);
    assert.ok(WEB.includes(same?.answeredBy ?? ''), JSON.stringify(same));
    assert.match(same?.sourceSeen ?? '', /^10\.77\.1\.20:/);
    assert.ok(WEB.includes(other?.answeredBy ?? ''), JSON.stringify(other));
    assert.match(other?.sourceSeen ?? '', /^10\.77\.2\.20:/);
  });

  it('balances: every endpoint answers over 200 connections', async () => {
    const results = await many(200, { from: 'default/tester-a', to: '10.96.0.10', port: 80, protocol: 'tcp', timeoutMs: 3000 });
    const answered = new Set(results.map((result) => result.answeredBy));
    assert.deepEqual([...answered].sort(), WEB);
  });

  it('keeps session affinity: one endpoint over 20 connections', async () => {
    const first = await probe({ from: 'default/tester-b', to: '10.96.0.11', port: 80, protocol: 'tcp' });
    assert.ok(WEB.includes(first.answeredBy ?? ''), JSON.stringify(first));
    const rest = await many(19, { from: 'default/tester-b', to: '10.96.0.11', port: 80, protocol: 'tcp', timeoutMs: 3000 });
    assert.deepEqual([...new Set(rest.map((result) => result.answeredBy))], [first.answeredBy]);
  });

  it('refuses a service without endpoints at once (an ICMP reject, not a timeout)', async () => {
    const result = await probe({ from: 'default/tester-a', to: '10.96.0.12', port: 80, protocol: 'tcp', timeoutMs: 3000 });
    assert.equal(result.connected, false);
    assert.equal(result.error, 'refused', JSON.stringify(result));
  });

  // Checked against the kernel: without the service CIDR refusal the first probe is not refused
  // (the node's default route sends it out of eth0, where no one answers).
  it('refuses at once an address of the service CIDR no service holds, or a port its cluster IP does not serve; the service still answers', async () => {
    for (const to of [{ to: '10.96.63.40', port: 80 }, { to: '10.96.0.10', port: 81 }]) {
      const result = await probe({ from: 'default/tester-a', ...to, protocol: 'tcp', timeoutMs: 3000 });
      assert.equal(result.error, 'refused', JSON.stringify(result));
    }
    const served = await probe({ from: 'default/tester-a', to: '10.96.0.10', port: 80, protocol: 'tcp', timeoutMs: 3000 });
    assert.ok(WEB.includes(served.answeredBy ?? ''), JSON.stringify(served));
  });

  it('NodePort from the outside client, masqueraded (policy always)', async () => {
    const results = await many(20, { from: 'client', to: '192.168.77.11', port: 30080, protocol: 'tcp', timeoutMs: 3000 });
    for (const result of results) {
      assert.ok(WEB.includes(result.answeredBy ?? ''), JSON.stringify(result));
      assert.ok(!(result.sourceSeen ?? '').startsWith(`${CLIENT}:`), JSON.stringify(result));
    }
  });

  it('hairpin: an endpoint reaching itself through its service sees a masqueraded source', async () => {
    const results = await many(40, { from: 'default/web-a', to: '10.96.0.10', port: 80, protocol: 'tcp', timeoutMs: 3000 });
    const self = results.filter((result) => result.answeredBy === 'default/web-a');
    assert.ok(self.length > 0, JSON.stringify(results.map((result) => result.answeredBy ?? result.error)));
    for (const result of self) assert.ok(!(result.sourceSeen ?? '').startsWith('10.77.1.10:'), JSON.stringify(result));
  });

  it('externalTrafficPolicy Local: the client address is kept where an endpoint is local, dropped where none is', async () => {
    const [local, none] = await up().probeAll([
      { from: 'client', to: '192.168.77.12', port: 30081, protocol: 'tcp', timeoutMs: 3000 },
      { from: 'client', to: '192.168.77.11', port: 30081, protocol: 'tcp', timeoutMs: 800 },
    ]);
    assert.equal(local?.answeredBy, 'default/web-b');
    assert.match(local?.sourceSeen ?? '', /^192\.168\.77\.250:/);
    assert.equal(none?.connected, false);
    assert.equal(none?.error, 'timeout', JSON.stringify(none));
  });

  it('externalTrafficPolicy Local short circuit: a pod on the node without a local endpoint still reaches the NodePort', async () => {
    const result = await probe({ from: 'default/tester-a', to: '192.168.77.11', port: 30081, protocol: 'tcp', timeoutMs: 3000 });
    assert.equal(result.answeredBy, 'default/web-b', JSON.stringify(result));
    assert.match(result.sourceSeen ?? '', /^10\.77\.1\.20:/);
  });

  it('LoadBalancer source ranges: an allowed source is answered, a refused one dropped', async () => {
    const [allowed, closed, pod] = await up().probeAll([
      { from: 'client', to: '203.0.113.10', port: 80, protocol: 'tcp', timeoutMs: 3000 },
      { from: 'client', to: '203.0.113.11', port: 80, protocol: 'tcp', timeoutMs: 800 },
      { from: 'default/tester-b', to: '203.0.113.10', port: 80, protocol: 'tcp', timeoutMs: 800 },
    ]);
    assert.equal(allowed?.answeredBy, 'default/web-b', JSON.stringify(allowed));
    assert.match(allowed?.sourceSeen ?? '', /^192\.168\.77\.250:/);
    assert.equal(closed?.error, 'timeout', JSON.stringify(closed));
    assert.equal(pod?.error, 'timeout', JSON.stringify(pod));
  });
});
