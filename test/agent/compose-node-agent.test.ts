import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'mocha';
import type { AgentConfig } from '../../src/agent/agent-config.js';
import { composeNodeAgent, mockBackends, type BackendFactories } from '../../src/agent/compose.js';
import { MockFirewallBackend, MockProxyBackend, MockRouteBackend } from '../../src/backends/mock/index.js';
import { defaultPlanners, type PlannerFactory } from '../../src/agent/planners.js';
import { fullPlanner } from '../../src/core/controller/full-planner.js';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { InMemorySyncMetrics } from '../../src/core/controller/sync-metrics.js';
import { BackendError } from '../../src/core/errors.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { ManifestSource } from '../../src/sources/manifest-source.js';

const SEED_CLUSTER = fileURLToPath(new URL('../../examples/seed-cluster', import.meta.url));

function config(overrides: Partial<AgentConfig>): AgentConfig {
  return {
    runRouter: false,
    runFirewall: false,
    runServiceProxy: false,
    clusterCIDRs: ['10.1.0.0/16'],
    serviceClusterIPRanges: ['172.16.0.0/16'],
    masqueradeAll: false,
    nodePortAddresses: [],
    ...overrides,
  };
}

const EVERYTHING = config({ runRouter: true, runFirewall: true, runServiceProxy: true });

interface NodeMocks {
  route: MockRouteBackend;
  proxy: MockProxyBackend;
  firewall: MockFirewallBackend;
}

/** Factories that make fresh mocks and keep them by node, so tests can look inside. */
function keptMocks(): { factories: BackendFactories; made: Map<string, Partial<NodeMocks>> } {
  const made = new Map<string, Partial<NodeMocks>>();
  const keep = <K extends keyof NodeMocks>(node: string, concern: K, backend: NodeMocks[K]): NodeMocks[K] => {
    made.set(node, { ...made.get(node), [concern]: backend });
    return backend;
  };
  return {
    made,
    factories: {
      route: (node) => keep(node, 'route', new MockRouteBackend()),
      proxy: (node) => keep(node, 'proxy', new MockProxyBackend()),
      firewall: (node) => keep(node, 'firewall', new MockFirewallBackend()),
    },
  };
}

function mocksOf(made: Map<string, Partial<NodeMocks>>, node: string): NodeMocks {
  const mocks = made.get(node);
  assert.ok(mocks?.route && mocks.proxy && mocks.firewall, `no backends were made for ${node}`);
  return mocks as NodeMocks;
}

describe('composeNodeAgent', () => {
  let snapshot: ClusterSnapshot;

  before(async () => {
    const loaded = await loadCluster([SEED_CLUSTER]);
    assert.deepEqual(loaded.problems, []);
    snapshot = loaded.snapshot;
  });

  it('runs only the enabled concerns, and makes backends only for them', async () => {
    const { factories, made } = keptMocks();
    const agent = composeNodeAgent('kube-node1', config({ runFirewall: true }), factories);
    const result = await agent.syncOnce(snapshot);
    assert.equal(result.node, 'kube-node1');
    assert.equal(result.route, undefined);
    assert.equal(result.proxy, undefined);
    assert.ok(result.firewall);
    assert.equal(result.firewall.concern, 'firewall');
    assert.equal(result.firewall.report.backend, 'mock');
    assert.equal(result.firewall.plan.node, 'kube-node1');
    const mocks = made.get('kube-node1');
    assert.equal(mocks?.route, undefined);
    assert.equal(mocks?.proxy, undefined);
    assert.equal(mocks?.firewall?.syncs.length, 1);
  });

  it('hands each concern the plan for its node, with the configured cluster CIDRs', async () => {
    const agent = composeNodeAgent('kube-node1', EVERYTHING, mockBackends);
    const result = await agent.syncOnce(snapshot);
    assert.ok(result.route && result.proxy && result.firewall);
    assert.equal(result.route.plan.node, 'kube-node1');
    assert.deepEqual(
      [...result.route.plan.routes.values()].map((route) => route.destination),
      ['10.1.0.0/24', '10.1.2.0/24', '10.1.3.0/24'],
    );
    assert.deepEqual(result.route.plan.masquerade?.sources, ['10.1.1.0/24']);
    assert.ok(result.route.plan.masquerade?.exceptDestinations.includes('10.1.0.0/16'));
    assert.equal(result.proxy.plan.node, 'kube-node1');
    assert.deepEqual(result.proxy.plan.settings.clusterCIDRs, ['10.1.0.0/16']);
    assert.equal(result.firewall.plan.node, 'kube-node1');
  });

  it('changes nothing on a second sync of the same snapshot', async () => {
    const agent = composeNodeAgent('kube-node1', EVERYTHING, mockBackends);
    const first = await agent.syncOnce(snapshot);
    const second = await agent.syncOnce(snapshot);
    for (const concern of ['route', 'proxy', 'firewall'] as const) {
      const before = first[concern]?.report;
      const after = second[concern]?.report;
      assert.ok(before && after, concern);
      assert.ok(before.changed > 0, `${concern}: the first sync should program something`);
      assert.equal(after.changed, 0, concern);
      assert.equal(after.removed, 0, concern);
      assert.equal(after.full, false, concern);
      assert.equal(after.unchanged, before.changed, concern);
    }
  });

  it('cleanup() empties what every backend describes', async () => {
    const { factories, made } = keptMocks();
    const agent = composeNodeAgent('kube-node3', EVERYTHING, factories);
    await agent.syncOnce(snapshot);
    const mocks = mocksOf(made, 'kube-node3');
    for (const backend of [mocks.route, mocks.proxy, mocks.firewall]) {
      const state = await backend.describe();
      assert.notEqual(state.plan, undefined, backend.concern);
      assert.ok(state.summary.length > 0, backend.concern);
    }
    await agent.cleanup();
    for (const backend of [mocks.route, mocks.proxy, mocks.firewall]) {
      const state = await backend.describe();
      assert.equal(state.plan, undefined, backend.concern);
      assert.deepEqual(state.summary, [], backend.concern);
      assert.equal(backend.cleanups, 1, backend.concern);
    }
  });

  it('gives each node its own backends', async () => {
    const { factories, made } = keptMocks();
    const agent1 = composeNodeAgent('kube-node1', EVERYTHING, factories);
    const agent2 = composeNodeAgent('kube-node2', EVERYTHING, factories);
    const node1 = mocksOf(made, 'kube-node1');
    const node2 = mocksOf(made, 'kube-node2');
    for (const concern of ['route', 'proxy', 'firewall'] as const) {
      assert.notEqual(node1[concern], node2[concern], concern);
    }
    await agent1.syncOnce(snapshot);
    assert.equal((await node2.route.describe()).plan, undefined);
    assert.equal((await node2.firewall.describe()).plan, undefined);
    await agent2.syncOnce(snapshot);
    assert.equal((await node1.route.describe()).plan?.node, 'kube-node1');
    assert.equal((await node2.route.describe()).plan?.node, 'kube-node2');
    assert.equal(node1.route.syncs.length, 1);
    assert.equal(node2.route.syncs.length, 1);
  });

  it("rejects with the backend's error when a sync fails", async () => {
    const { factories, made } = keptMocks();
    const agent = composeNodeAgent('kube-node1', EVERYTHING, factories);
    mocksOf(made, 'kube-node1').firewall.failNextSync();
    await assert.rejects(agent.syncOnce(snapshot), BackendError);
    // Only the next sync fails: a retry succeeds.
    const retried = await agent.syncOnce(snapshot);
    assert.ok(retried.firewall);
  });

  it('runs until stopped over a store fed by manifests, with the runtime and planners it is given', async () => {
    const clock = new ManualClock();
    const metrics = new InMemorySyncMetrics();
    const asked: string[] = [];
    const planners: PlannerFactory = {
      ...defaultPlanners,
      route: (node, agentConfig) => {
        asked.push(`${node} ${agentConfig.clusterCIDRs.join(',')}`);
        return defaultPlanners.route(node, agentConfig);
      },
    };
    const { factories, made } = keptMocks();
    const agent = composeNodeAgent('kube-node1', EVERYTHING, factories, { planners, runtime: { clock, metrics } });
    assert.deepEqual(asked, ['kube-node1 10.1.0.0/16']);
    const store = new ClusterStore();
    const source = new ManifestSource([SEED_CLUSTER]);
    agent.start(store);
    await source.start(store);
    await clock.runDue();
    await agent.whenIdle();
    const mocks = mocksOf(made, 'kube-node1');
    const routes = (await mocks.route.describe()).plan?.routes;
    assert.deepEqual([...(routes?.values() ?? [])].map((route) => route.destination), ['10.1.0.0/24', '10.1.2.0/24', '10.1.3.0/24']);
    assert.equal(mocks.proxy.syncs.length, 1);
    assert.equal(mocks.firewall.syncs.length, 1);
    assert.deepEqual(metrics.concerns(), ['firewall', 'proxy', 'route']);
    await agent.stop();
  });

  it('uses a planner made by fullPlanner for a custom planner factory', async () => {
    let planned = 0;
    const planners: PlannerFactory = {
      ...defaultPlanners,
      firewall: (node, agentConfig) => {
        const inner = defaultPlanners.firewall(node, agentConfig);
        return fullPlanner('counting firewall', (current) => {
          planned++;
          return inner.full(current);
        });
      },
    };
    const agent = composeNodeAgent('kube-node2', config({ runFirewall: true }), mockBackends, { planners });
    const result = await agent.syncOnce(snapshot);
    assert.equal(planned, 1);
    assert.equal(result.firewall?.plan.node, 'kube-node2');
  });
});
