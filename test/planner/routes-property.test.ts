import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import { RoutePlanner, type RoutePlanOptions } from '../../src/core/planner/index.js';
import type { RoutePlan } from '../../src/core/plan/index.js';
import type { ObjectChange } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';

const NODES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const LOCAL = 'n0';

/**
 * Small pools, so duplicates, overlaps (the /16 and /23 hold some /24s, fd10::/48 holds
 * fd10:0:0:1::/64 and fd10:0:0:2::/64), shared addresses and family gaps all happen.
 * 0.0.0.0/0 is dropped by conversion: the node is left without an IPv4 pod CIDR.
 */
const IPV4_POD_CIDRS = ['10.1.0.0/16', '10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24', '10.2.0.0/23', '10.2.1.0/24', '0.0.0.0/0'];
const IPV6_POD_CIDRS = ['fd10::/48', 'fd10:0:0:1::/64', 'fd10:0:0:2::/64', 'fd10:0:1::/64', 'fd20::/64'];
/** Two underlay subnets per family. */
const IPV4_ADDRESSES = ['192.168.1.1', '192.168.1.2', '192.168.1.3', '192.168.2.1', '192.168.2.2', '192.168.2.3'];
const IPV6_ADDRESSES = ['fd00:1::1', 'fd00:1::2', 'fd00:2::1', 'fd00:2::2'];

interface NodeSpec {
  readonly name: string;
  readonly ipv4?: string | undefined;
  readonly ipv6?: string | undefined;
  readonly pod4?: string | undefined;
  readonly pod6?: string | undefined;
  readonly label: string;
}

type Step = { readonly upsert: NodeSpec } | { readonly remove: string };

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  name: fc.constantFrom(...NODES),
  ipv4: fc.option(fc.constantFrom(...IPV4_ADDRESSES), { nil: undefined, freq: 5 }),
  ipv6: fc.option(fc.constantFrom(...IPV6_ADDRESSES), { nil: undefined, freq: 2 }),
  pod4: fc.option(fc.constantFrom(...IPV4_POD_CIDRS), { nil: undefined, freq: 5 }),
  pod6: fc.option(fc.constantFrom(...IPV6_POD_CIDRS), { nil: undefined, freq: 2 }),
  // A label change alone is an update the planner must not replan anything for.
  label: fc.constantFrom('a', 'b'),
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: nodeSpec.map((spec) => ({ upsert: spec })) },
  { weight: 1, arbitrary: fc.constantFrom(...NODES).map((name) => ({ remove: name })) },
);

const options: fc.Arbitrary<RoutePlanOptions> = fc.record({
  underlayCIDRs: fc.constantFrom([], ['192.168.1.0/24'], ['192.168.1.0/24', 'fd00:1::/64']),
  enableOverlay: fc.boolean(),
  overlayType: fc.constantFrom('subnet' as const, 'full' as const),
  tunnelType: fc.constantFrom('ipip' as const, 'fou' as const, 'vxlan' as const),
  clusterCIDRs: fc.constantFrom([], ['10.0.0.0/8']),
  podEgressMasquerade: fc.boolean(),
});

function rawNode(spec: NodeSpec): Record<string, unknown> {
  const addresses = [spec.ipv4, spec.ipv6].filter((address) => address !== undefined);
  const podCIDRs = [spec.pod4, spec.pod6].filter((cidr) => cidr !== undefined);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: spec.name, labels: { label: spec.label } },
    spec: { podCIDRs },
    status: { addresses: addresses.map((address) => ({ type: 'InternalIP', address })) },
  };
}

/** What a plan says, as plain data. */
function content(plan: RoutePlan): unknown {
  return {
    routes: [...plan.routes.values()],
    tunnels: [...plan.tunnels.values()],
    masquerade: plan.masquerade,
    settings: plan.settings,
  };
}

/** A fragment that is deep-equal to its previous version must be that very object. */
function assertEqualFragmentsKept(previous: RoutePlan, next: RoutePlan): void {
  for (const [key, route] of next.routes.entries()) {
    const before = previous.routes.get(key);
    if (before !== undefined && before !== route) assert.notDeepStrictEqual(route, before, `route ${key} copied unchanged`);
  }
  for (const [key, tunnel] of next.tunnels.entries()) {
    const before = previous.tunnels.get(key);
    if (before !== undefined && before !== tunnel) assert.notDeepStrictEqual(tunnel, before, `tunnel ${key} copied unchanged`);
  }
}

const SEED = Number(process.env['ROUTES_PROPERTY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

describe('RoutePlanner: incremental equals full (property)', function () {
  this.timeout(30_000);

  it('after every node upsert and delete, update() equals a fresh full plan', () => {
    const property = fc.property(options, fc.array(step, { minLength: 1, maxLength: 30 }), (planOptions, steps) => {
      const store = new ClusterStore();
      let pending: ObjectChange[] = [];
      store.onChange((set) => pending.push(...set.changes));
      const planner = new RoutePlanner(LOCAL, planOptions);
      let previous = planner.full(store.snapshot());
      for (const next of steps) {
        if ('upsert' in next) store.upsert(rawNode(next.upsert));
        else store.remove({ apiVersion: 'v1', kind: 'Node', metadata: { name: next.remove } });
        const snapshot = store.snapshot();
        const incremental = planner.update(snapshot, pending);
        pending = [];
        const full = new RoutePlanner(LOCAL, planOptions).full(snapshot);
        assert.deepStrictEqual(content(incremental), content(full));
        assertEqualFragmentsKept(previous, incremental);
        previous = incremental;
      }
    });
    try {
      fc.assert(property, { seed: SEED, numRuns: 300 });
    } catch (error) {
      throw new Error(`property failed with seed ${SEED} (rerun with ROUTES_PROPERTY_SEED=${SEED}): ${String(error)}`);
    }
  });
});
