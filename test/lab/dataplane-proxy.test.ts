import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { planServices } from '../../src/core/planner/index.js';
import { tracePacket } from '../../src/core/simulator/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { dataplaneTrace, Lab, routeServiceAddresses, type DataplaneTraceResult } from '../../src/lab/index.js';
import { CLI, skipUnlessBackend, snapshotOf } from './dataplane-helpers.js';
import { skipUnlessRoot } from './root-helpers.js';

const CLUSTER = resolve('test/fixtures/dataplane/proxy/cluster.yaml');
const CLUSTER_CIDRS = ['10.62.1.0/24', '10.62.2.0/24'];
const CLIENT = '192.168.62.250';

interface Case {
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
}

/** The simulator's `--node` answer with the cluster CIDRs the lab gives its agents. */
function simulated(snapshot: ClusterSnapshot, query: Case): { verdict: string; backends: string[]; masquerade: boolean; explain: readonly string[] } {
  const plan = planServices(snapshot, query.node, { clusterCIDRs: CLUSTER_CIDRS, masqueradeAll: false, nodePortAddresses: [] });
  const result = tracePacket(plan, { from: query.from, to: query.to, port: query.port, protocol: 'TCP' });
  return { verdict: result.verdict, backends: [...result.backends].sort(), masquerade: result.masquerade, explain: result.explain };
}

function sameAnswer(lab: DataplaneTraceResult, simulator: ReturnType<typeof simulated>): void {
  assert.deepEqual(
    { verdict: lab.verdict, backends: lab.backends, masquerade: lab.masquerade },
    { verdict: simulator.verdict, backends: simulator.backends, masquerade: simulator.masquerade },
    `lab: ${lab.explain.join(' | ')}\nsimulator: ${simulator.explain.join(' | ')}`,
  );
}

for (const backend of ['nftables', 'iptables'] as const) {
  describe(`dataplane: the ${backend} service proxy in the lab answers as the simulator (root)`, function () {
    this.timeout(60_000);
    let lab: Lab | undefined;
    let snapshot: ClusterSnapshot;
    before(async function () {
      this.timeout(120_000);
      skipUnlessRoot(this);
      await skipUnlessBackend(this, 'proxy', backend);
      snapshot = await snapshotOf([CLUSTER]);
      lab = await Lab.up(snapshot, {
        clientAddress: CLIENT,
        agents: {
          command: CLI, manifests: [CLUSTER], routeBackend: 'netlink', overlayEncap: 'vxlan',
          runRouter: true, runServiceProxy: true, proxyBackend: backend, clusterCIDRs: CLUSTER_CIDRS,
        },
      });
      // As `simulate --dataplane` does: the node routes a real node's default route would give.
      await routeServiceAddresses(lab, snapshot);
    });
    after(async function () {
      this.timeout(60_000);
      await lab?.down();
    });

    const cases: [string, Case][] = [
      ['ClusterIP from a pod, balanced over endpoints on its node and the other', { node: 'px-1', from: '10.62.1.20', to: '10.96.62.10', port: 80 }],
      ['ClusterIP from a pod on the other node', { node: 'px-2', from: '10.62.2.20', to: '10.96.62.10', port: 80 }],
      ['NodePort from the outside client (masqueraded)', { node: 'px-1', from: CLIENT, to: '192.168.62.11', port: 30080 }],
      ['a service without endpoints: refused at once', { node: 'px-1', from: '10.62.1.20', to: '10.96.62.11', port: 80 }],
      ['a pod IP, no service: the destination itself answers', { node: 'px-1', from: '10.62.1.20', to: '10.62.2.10', port: 8080 }],
    ];
    for (const [title, query] of cases) {
      it(`${title}: the lab's answer equals the simulator's`, async () => {
        sameAnswer(await dataplaneTrace(lab as Lab, { ...query, protocol: 'tcp' }), simulated(snapshot, query));
      });
    }

    it('balancing: every endpoint answers over 200 connections, none under a tenth (checked by hand: 3 endpoints, 1/3 each)', async () => {
      const found = await dataplaneTrace(lab as Lab, { node: 'px-1', from: '10.62.1.20', to: '10.96.62.10', port: 80, protocol: 'tcp', tries: 200 });
      assert.deepEqual(found.backends, ['10.62.1.10:8080', '10.62.2.10:8080', '10.62.2.11:8080']);
      const counts = (found.explain[1] ?? '').match(/:8080 (\d+)/g)?.map((entry) => Number(entry.split(' ')[1])) ?? [];
      assert.equal(counts.reduce((sum, count) => sum + count, 0), 200, found.explain.join(' | '));
      // Binomial(200, 1/3): below 20 is more than 6 standard deviations off.
      assert.ok(counts.every((count) => count >= 20), found.explain.join(' | '));
    });

    it('ClientIP session affinity: one endpoint answers every connection, one of the simulator\'s backends', async () => {
      const query = { node: 'px-1', from: '10.62.1.20', to: '10.96.62.12', port: 80 };
      const found = await dataplaneTrace(lab as Lab, { ...query, protocol: 'tcp', tries: 20 });
      const expected = simulated(snapshot, query);
      assert.equal(found.verdict, 'ACCEPT');
      assert.equal(found.backends.length, 1, found.explain.join(' | '));
      assert.ok(expected.backends.includes(found.backends[0] as string), found.backends[0]);
      // The simulator lists every possible endpoint and says the first choice sticks.
      assert.ok(expected.explain.some((line) => line.includes('session affinity ClientIP')), expected.explain.join(' | '));
    });
  });
}
