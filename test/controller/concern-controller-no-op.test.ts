import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { MockFirewallBackend } from '../../src/backends/mock/index.js';
import { ConcernController } from '../../src/core/controller/concern-controller.js';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { FirewallPlanner } from '../../src/core/planner/firewall/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';

function rawPod(annotations: Record<string, string>, app = 'web'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', labels: { app }, annotations },
    spec: { nodeName: 'n1', containers: [{ name: 'main' }] },
    status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
  };
}

describe('ConcernController with an incremental planner', () => {
  it('does not call the backend for an event that changes nothing the planner reads', async () => {
    const clock = new ManualClock();
    const store = new ClusterStore();
    const backend = new MockFirewallBackend();
    const controller = new ConcernController('firewall', new FirewallPlanner('n1'), backend, { clock });
    store.upsert(rawPod({}));
    store.upsert({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-deny', namespace: 'default' },
      spec: { podSelector: { matchLabels: { app: 'web' } } },
    });
    controller.start(store);
    store.synced();
    await clock.runDue();
    await controller.whenIdle();
    assert.equal(backend.syncs.length, 1);

    // An annotation is kept in the model (a change set comes) but the firewall does not read it.
    store.upsert(rawPod({ 'example.com/owner': 'team-a' }));
    await clock.advance(1_000);
    await controller.whenIdle();
    assert.equal(backend.syncs.length, 1, 'no sync for an unread change');

    // A label change takes the pod out of the policy: that is work.
    store.upsert(rawPod({ 'example.com/owner': 'team-a' }, 'api'));
    await clock.advance(1_000);
    await controller.whenIdle();
    assert.equal(backend.syncs.length, 2);
    await controller.stop();
  });
});
