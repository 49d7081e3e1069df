import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { AgentConfig } from '../../src/agent/agent-config.js';
import { NodeAgent, type NodeBackends } from '../../src/agent/node-agent.js';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { InMemorySyncMetrics } from '../../src/core/controller/sync-metrics.js';
import { ConfigError } from '../../src/core/errors.js';
import type { FirewallPlan, ProxyPlan, RoutePlan } from '../../src/core/plan/index.js';
import { MemorySource } from '../../src/core/source/memory-source.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { RecordingBackend } from './recording-backend.js';

const EVERYTHING: AgentConfig = {
  runRouter: true,
  runFirewall: true,
  runServiceProxy: true,
  clusterCIDRs: ['10.1.0.0/16'],
  serviceClusterIPRanges: ['172.16.0.0/16'],
  masqueradeAll: false,
  nodePortAddresses: [],
};

function rawNode(name: string, internalIP: string, podCIDR: string, externalIP?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: internalIP },
        ...(externalIP === undefined ? [] : [{ type: 'ExternalIP', address: externalIP }]),
      ],
    },
  };
}

interface Rig {
  readonly clock: ManualClock;
  readonly store: ClusterStore;
  readonly source: MemorySource;
  readonly route: RecordingBackend<RoutePlan, 'route'>;
  readonly proxy: RecordingBackend<ProxyPlan, 'proxy'>;
  readonly firewall: RecordingBackend<FirewallPlan, 'firewall'>;
  readonly metrics: InMemorySyncMetrics;
  readonly agent: NodeAgent;
}

/** An agent for node-1 over a real store fed by a MemorySource holding node-1 and node-2. */
function rig(config: AgentConfig = EVERYTHING): Rig {
  const clock = new ManualClock();
  const store = new ClusterStore();
  const source = new MemorySource([
    rawNode('node-1', '192.168.1.1', '10.1.1.0/24'),
    rawNode('node-2', '192.168.1.2', '10.1.2.0/24'),
  ]);
  const route = new RecordingBackend<RoutePlan, 'route'>('route', clock);
  const proxy = new RecordingBackend<ProxyPlan, 'proxy'>('proxy', clock);
  const firewall = new RecordingBackend<FirewallPlan, 'firewall'>('firewall', clock);
  const metrics = new InMemorySyncMetrics();
  const backends: NodeBackends = { route, proxy, firewall };
  const agent = new NodeAgent({ node: 'node-1', config, backends, runtime: { clock, metrics } });
  return { clock, store, source, route, proxy, firewall, metrics, agent };
}

function destinations(plan: RoutePlan | undefined): string[] {
  return [...(plan?.routes.values() ?? [])].map((route) => route.destination);
}

describe('NodeAgent: running until stopped', () => {
  it('programs nothing before the source is synced, then every concern in full', async () => {
    const r = rig();
    r.agent.start(r.store);
    await r.clock.advance(10_000);
    for (const backend of [r.route, r.proxy, r.firewall]) assert.equal(backend.syncs.length, 0, backend.concern);
    await r.source.start(r.store);
    await r.clock.runDue();
    await r.agent.whenIdle();
    for (const backend of [r.route, r.proxy, r.firewall]) {
      assert.deepEqual(backend.syncs.map((sync) => [sync.at, sync.resync]), [[10_000, true]], backend.concern);
    }
    assert.equal(r.route.programmed?.node, 'node-1');
    assert.deepEqual(destinations(r.route.programmed), ['10.1.2.0/24']);
    await r.agent.stop();
  });

  it('reconciles every concern on a change until stop(), then on nothing', async () => {
    const r = rig();
    await r.source.start(r.store);
    r.agent.start(r.store);
    await r.clock.runDue();
    r.source.add(rawNode('node-3', '192.168.1.3', '10.1.3.0/24'));
    await r.clock.advance(1000);
    assert.deepEqual(r.route.syncs.map((sync) => sync.at), [0, 1000]);
    assert.deepEqual(destinations(r.route.programmed), ['10.1.2.0/24', '10.1.3.0/24']);
    // Another node joining changes nothing the proxy or the firewall of node-1 programs.
    assert.equal(r.proxy.syncs.length, 1);
    assert.equal(r.firewall.syncs.length, 1);
    assert.equal(r.agent.running, true);

    await r.agent.stop();
    assert.equal(r.agent.running, false);
    r.source.add(rawNode('node-4', '192.168.1.4', '10.1.4.0/24'));
    await r.clock.advance(600_000);
    assert.equal(r.route.syncs.length, 2);
    assert.equal(r.clock.pendingTimers, 0);
  });

  it('keeps proxy and firewall syncing while the route backend fails forever', async () => {
    const r = rig();
    r.route.failForever();
    await r.source.start(r.store);
    r.agent.start(r.store);
    for (let index = 3; index < 13; index++) {
      await r.clock.advance(2000);
      // node-1 gains another external address: every concern of node-1 has work.
      r.source.update(rawNode('node-1', '192.168.1.1', '10.1.1.0/24', `203.0.113.${index}`));
    }
    await r.clock.advance(2000);
    assert.equal(r.proxy.okSyncs.length, 11);
    assert.equal(r.firewall.okSyncs.length, 11);
    assert.equal(r.route.okSyncs.length, 0);
    assert.deepEqual(r.route.syncs.map((sync) => sync.at), [0, 1000, 3000, 7000, 15_000]);
    const [route, proxy, firewall] = r.agent.status();
    assert.equal(route?.concern, 'route');
    assert.equal(route?.consecutiveFailures, 5);
    assert.equal(proxy?.consecutiveFailures, 0);
    assert.equal(firewall?.consecutiveFailures, 0);
    assert.deepEqual(r.metrics.of('route').syncsTotal, { ok: 0, error: 5 });
    assert.deepEqual(r.metrics.of('proxy').syncsTotal, { ok: 11, error: 0 });
    await r.agent.stop();
  });

  it('stop() waits for a sync in flight', async () => {
    const r = rig();
    await r.source.start(r.store);
    const held = r.proxy.holdNext();
    r.agent.start(r.store);
    await r.clock.runDue();
    let stopped = false;
    const stopping = r.agent.stop().then(() => {
      stopped = true;
    });
    await r.clock.advance(5000);
    assert.equal(stopped, false);
    held.resolve();
    await stopping;
    assert.equal(stopped, true);
    assert.equal(r.proxy.programmed?.node, 'node-1', 'the sync in flight finished');
  });

  it('syncNow() reconciles every concern at once and says how each went', async () => {
    const r = rig({ ...EVERYTHING, runFirewall: false, timings: { minSyncIntervalMs: 60_000 } });
    await r.source.start(r.store);
    r.agent.start(r.store);
    await r.clock.runDue();
    await r.clock.advance(5);
    r.source.add(rawNode('node-3', '192.168.1.3', '10.1.3.0/24'));
    const outcomes = r.agent.syncNow();
    await r.clock.runDue();
    const { route, proxy, firewall } = await outcomes;
    assert.equal(route?.sample.outcome, 'ok');
    assert.equal(route?.sample.objectChanges, 1);
    assert.equal(proxy?.sample.outcome, 'ok');
    assert.equal(firewall, undefined);
    assert.deepEqual(destinations(route?.plan), ['10.1.2.0/24', '10.1.3.0/24']);
    assert.equal(r.firewall.syncs.length, 0);
    await r.agent.stop();
  });

  it('takes its timings from the config', async () => {
    const r = rig({ ...EVERYTHING, timings: { minSyncIntervalMs: 5000, resyncIntervalMs: 20_000 } });
    await r.source.start(r.store);
    r.agent.start(r.store);
    await r.clock.runDue();
    r.source.add(rawNode('node-3', '192.168.1.3', '10.1.3.0/24'));
    await r.clock.advance(20_000);
    assert.deepEqual(r.route.syncs.map((sync) => [sync.at, sync.resync]), [
      [0, true],
      [5000, false],
      [20_000, true],
    ]);
    await r.agent.stop();
  });

  it('cleanup() stops the loops and cleans every backend, even when one fails', async () => {
    const r = rig();
    await r.source.start(r.store);
    r.agent.start(r.store);
    await r.clock.runDue();
    r.proxy.failCleanup = true;
    await assert.rejects(r.agent.cleanup(), /injected cleanup failure/);
    assert.equal(r.agent.running, false);
    for (const backend of [r.route, r.proxy, r.firewall]) {
      assert.equal(backend.cleanups, 1, backend.concern);
      assert.equal(backend.programmed, undefined, backend.concern);
    }
    r.source.add(rawNode('node-3', '192.168.1.3', '10.1.3.0/24'));
    await r.clock.advance(10_000);
    assert.equal(r.route.syncs.length, 1, 'nothing programs again after cleanup');
  });

  it('refuses an enabled concern without a backend', () => {
    assert.throws(
      () => new NodeAgent({ node: 'node-1', config: EVERYTHING, backends: {} }),
      (error: unknown) => error instanceof ConfigError && /--run-router/.test(error.message),
    );
  });

  it('refuses to start twice, and a one-shot sync while running', async () => {
    const r = rig();
    r.agent.start(r.store);
    assert.throws(() => r.agent.start(r.store), /already running/);
    await assert.rejects(r.agent.syncOnce(r.store.snapshot()), /running/);
    await r.agent.stop();
  });
});
