import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { planRoutes, RoutePlanner, type RoutePlanOptions } from '../../src/core/planner/index.js';
import type { RoutePlan } from '../../src/core/plan/index.js';
import type { ObjectChange } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawPod } from '../store/raw-objects.js';

/** A raw v1 Node with any number of InternalIPs and pod CIDRs (dual-stack). */
function rawNode(name: string, internalIPs: string[], podCIDRs: string[], labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: { ...(podCIDRs[0] === undefined ? {} : { podCIDR: podCIDRs[0] }), podCIDRs },
    status: { addresses: internalIPs.map((address) => ({ type: 'InternalIP', address })) },
  };
}

/** A store that collects the changes since the last {@link take}. */
class RecordingStore {
  readonly store = new ClusterStore();
  private changes: ObjectChange[] = [];

  constructor() {
    this.store.onChange((set) => this.changes.push(...set.changes));
  }

  take(): ObjectChange[] {
    const taken = this.changes;
    this.changes = [];
    return taken;
  }
}

/** n1 (local) and n2 on 192.168.1.0/24, n3 on 192.168.2.0/24. */
function threeNodes(): RecordingStore {
  const recording = new RecordingStore();
  recording.store.upsert(rawNode('n1', ['192.168.1.10', 'fd00:1::10'], ['10.1.1.0/24', 'fd10:1::/64']));
  recording.store.upsert(rawNode('n2', ['192.168.1.20', 'fd00:1::20'], ['10.1.2.0/24', 'fd10:2::/64']));
  recording.store.upsert(rawNode('n3', ['192.168.2.30'], ['10.1.3.0/24']));
  recording.take();
  return recording;
}

const OPTIONS: RoutePlanOptions = { underlayCIDRs: ['192.168.1.0/24', 'fd00:1::/64'] };

function started(recording: RecordingStore, options = OPTIONS): { planner: RoutePlanner; first: RoutePlan } {
  const planner = new RoutePlanner('n1', options);
  return { planner, first: planner.full(recording.store.snapshot()) };
}

function step(planner: RoutePlanner, recording: RecordingStore): RoutePlan {
  return planner.update(recording.store.snapshot(), recording.take());
}

/** Asserts that `next` is the plan a fresh planner computes from the store now. */
function assertEqualsFull(next: RoutePlan, recording: RecordingStore, options = OPTIONS): void {
  const full = planRoutes(recording.store.snapshot(), 'n1', options);
  assert.deepEqual([...next.routes.values()], [...full.routes.values()]);
  assert.deepEqual([...next.tunnels.values()], [...full.tunnels.values()]);
  assert.deepEqual(next.masquerade, full.masquerade);
  assert.deepEqual(next.settings, full.settings);
}

describe('RoutePlanner (incremental)', () => {
  it('plans from a real store snapshot: direct on the subnet, a tunnel off it', () => {
    const recording = threeNodes();
    const { first } = started(recording);
    assert.deepEqual(
      [...first.routes.values()].map((route) => `${route.destination} ${route.kind} ${route.gateway}`),
      ['10.1.2.0/24 direct 192.168.1.20', '10.1.3.0/24 tunnel 192.168.2.30', 'fd10:2::/64 direct fd00:1::20'],
    );
    assert.deepEqual([...first.tunnels.keys()], ['tun-xouvry4s6aq']);
  });

  it('keeps the very same plan for changes it does not read: labels, pods', () => {
    const recording = threeNodes();
    const { planner, first } = started(recording);
    recording.store.upsert(rawNode('n2', ['192.168.1.20', 'fd00:1::20'], ['10.1.2.0/24', 'fd10:2::/64'], { zone: 'b' }));
    recording.store.upsert(rawNode('n1', ['192.168.1.10', 'fd00:1::10'], ['10.1.1.0/24', 'fd10:1::/64'], { zone: 'a' }));
    recording.store.upsert(rawPod('web', { nodeName: 'n2', ip: '10.1.2.5' }));
    assert.equal(step(planner, recording), first);
    assert.equal(planner.current, first);
  });

  it('plans in full on an update without a previous plan', () => {
    const recording = threeNodes();
    const planner = new RoutePlanner('n1', OPTIONS);
    assertEqualsFull(planner.update(recording.store.snapshot(), []), recording);
  });

  it('adds a node as one new route and one new masquerade list, every other fragment kept', () => {
    const recording = threeNodes();
    const { planner, first } = started(recording);
    recording.store.upsert(rawNode('n4', ['192.168.1.40'], ['10.1.4.0/24']));
    const next = step(planner, recording);
    assert.deepEqual(next.routes.diff(first.routes), { changed: ['10.1.4.0/24'], removed: [] });
    assert.equal(next.tunnels, first.tunnels);
    for (const key of first.routes.keys()) assert.equal(next.routes.get(key), first.routes.get(key));
    assert.notEqual(next.masquerade, first.masquerade);
    assert.ok(next.masquerade?.exceptDestinations.includes('192.168.1.40/32'));
    assertEqualsFull(next, recording);
  });

  it('turns a route into a tunnel when its node moves off the subnet, and back', () => {
    const recording = threeNodes();
    const { planner, first } = started(recording);
    recording.store.upsert(rawNode('n2', ['192.168.2.20', 'fd00:1::20'], ['10.1.2.0/24', 'fd10:2::/64']));
    const moved = step(planner, recording);
    assert.deepEqual(moved.routes.diff(first.routes), { changed: ['10.1.2.0/24'], removed: [] });
    assert.equal(moved.routes.get('10.1.2.0/24')?.kind, 'tunnel');
    // tun- + base32(sha256("192.168.2.20"))[:11], computed in Python. IPv6 stays direct.
    assert.equal(moved.routes.get('10.1.2.0/24')?.device, 'tun-vsw2p357o7g');
    assert.deepEqual(moved.tunnels.diff(first.tunnels), { changed: ['tun-vsw2p357o7g'], removed: [] });
    assertEqualsFull(moved, recording);
    recording.store.upsert(rawNode('n2', ['192.168.1.20', 'fd00:1::20'], ['10.1.2.0/24', 'fd10:2::/64']));
    const back = step(planner, recording);
    assert.deepEqual([...back.routes.values()], [...first.routes.values()]);
    assert.deepEqual(back.tunnels.diff(moved.tunnels), { changed: [], removed: ['tun-vsw2p357o7g'] });
    assertEqualsFull(back, recording);
  });

  it('replans everything when this node changes: its address decides the subnets', () => {
    const recording = threeNodes();
    const { planner } = started(recording, { underlayCIDRs: ['192.168.2.0/24'] });
    // n1 on 192.168.1.x but told its subnet is 192.168.2.0/24: n3 direct, n2 through a tunnel.
    recording.store.upsert(rawNode('n1', ['192.168.1.11'], ['10.1.1.0/24']));
    const next = step(planner, recording);
    assert.deepEqual(
      [...next.routes.values()].map((route) => `${route.destination} ${route.kind}`),
      ['10.1.2.0/24 tunnel', '10.1.3.0/24 direct'],
    );
    assert.deepEqual([...next.tunnels.values()].map((tunnel) => tunnel.local), ['192.168.1.11']);
    assertEqualsFull(next, recording, { underlayCIDRs: ['192.168.2.0/24'] });
  });

  it('empties the plan when this node is deleted', () => {
    const recording = threeNodes();
    const { planner } = started(recording);
    recording.store.remove(rawNode('n1', [], []));
    const next = step(planner, recording);
    assert.equal(next.routes.size, 0);
    assert.equal(next.tunnels.size, 0);
    assert.equal(next.masquerade, undefined);
  });

  it('routes to the remaining claimant once a duplicate pod CIDR is released', () => {
    const recording = threeNodes();
    recording.store.upsert(rawNode('dup', ['192.168.1.50'], ['10.1.2.0/24']));
    recording.take();
    const { planner, first } = started(recording);
    assert.equal(first.routes.get('10.1.2.0/24'), undefined);
    recording.store.upsert(rawNode('dup', ['192.168.1.50'], ['10.1.5.0/24']));
    const next = step(planner, recording);
    assert.equal(next.routes.get('10.1.2.0/24')?.node, 'n2');
    assert.equal(next.routes.get('10.1.5.0/24')?.node, 'dup');
    assertEqualsFull(next, recording);
  });

  it('routes to the inner CIDR once the overlapping wider one goes', () => {
    const recording = threeNodes();
    recording.store.upsert(rawNode('wide', ['192.168.1.60'], ['10.1.0.0/16']));
    recording.take();
    const { planner, first } = started(recording);
    // Every 10.1.x.0/24 lies inside 10.1.0.0/16: nothing of IPv4 is routed.
    assert.deepEqual([...first.routes.keys()], ['fd10:2::/64']);
    recording.store.remove(rawNode('wide', [], []));
    const next = step(planner, recording);
    assert.deepEqual([...next.routes.keys()], ['10.1.2.0/24', '10.1.3.0/24', 'fd10:2::/64']);
    assertEqualsFull(next, recording);
  });

  it('routes to a node again once the node sharing its InternalIP moves', () => {
    const recording = threeNodes();
    recording.store.upsert(rawNode('twin', ['192.168.2.30'], ['10.1.9.0/24']));
    recording.take();
    const { planner, first } = started(recording);
    assert.equal(first.routes.get('10.1.3.0/24'), undefined);
    assert.equal(first.tunnels.size, 0);
    recording.store.upsert(rawNode('twin', ['192.168.2.31'], ['10.1.9.0/24']));
    const next = step(planner, recording);
    assert.deepEqual(
      [...next.routes.values()].filter((route) => route.family === 'IPv4').map((route) => `${route.destination} ${route.node}`),
      ['10.1.2.0/24 n2', '10.1.3.0/24 n3', '10.1.9.0/24 twin'],
    );
    assert.equal(next.tunnels.size, 2);
    assertEqualsFull(next, recording);
  });

  it('full() over an unchanged cluster keeps every fragment object', () => {
    const recording = threeNodes();
    const { planner, first } = started(recording);
    const again = planner.full(recording.store.snapshot());
    assert.equal(again.routes, first.routes);
    assert.equal(again.tunnels, first.tunnels);
  });
});
