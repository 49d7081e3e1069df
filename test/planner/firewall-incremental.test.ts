import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import type { FirewallPlan } from '../../src/core/plan/index.js';
import { FirewallPlanner, planFirewall } from '../../src/core/planner/firewall/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import type { ObjectChange } from '../../src/core/store/change.js';

const NODE = 'n1';
const NAMESPACES = ['ns-a', 'ns-b'] as const;
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.5', '10.0.0.9', 'fd00::1', 'fd00::2'] as const;

type Raw = Record<string, unknown>;

function rawNode(name: string, ip: string): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR: '10.0.0.0/24', podCIDRs: ['10.0.0.0/24'] },
    status: { addresses: [{ type: 'InternalIP', address: ip }] },
  };
}

interface PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly app: string;
  readonly ips: readonly string[];
  readonly httpPort: number | undefined;
  readonly phase: 'Running' | 'Succeeded' | 'Pending';
}

function rawPod(spec: PodSpec): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: { app: spec.app } },
    spec: {
      nodeName: spec.node,
      containers: [
        { name: 'main', ports: spec.httpPort === undefined ? [] : [{ name: 'http', containerPort: spec.httpPort, protocol: 'TCP' }] },
      ],
    },
    status: {
      phase: spec.phase,
      ...(spec.ips.length > 0 ? { podIP: spec.ips[0], podIPs: spec.ips.map((ip) => ({ ip })) } : {}),
    },
  };
}

/** Policy specs that exercise every kind of peer and port the planner handles. */
const POLICY_SPECS: readonly ((name: string, namespace: string) => Raw)[] = [
  (name, namespace) => policy(name, namespace, { podSelector: { matchLabels: { app: 'web' } } }),
  (name, namespace) =>
    policy(name, namespace, {
      podSelector: {},
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    }),
  (name, namespace) =>
    policy(name, namespace, {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }],
    }),
  (name, namespace) =>
    policy(name, namespace, {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] },
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: 'y' } }, podSelector: { matchLabels: { app: 'web' } } },
            { ipBlock: { cidr: '10.0.0.0/29', except: ['10.0.0.4/30'] } },
          ],
          ports: [{ protocol: 'TCP', port: 80 }],
        },
      ],
    }),
  (name, namespace) =>
    policy(name, namespace, {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Egress'],
      egress: [
        { ports: [{ protocol: 'TCP', port: 'http' }] },
        { to: [{ ipBlock: { cidr: '10.0.0.0/28', except: ['10.0.0.2/32'] } }], ports: [{ protocol: 'TCP', port: 'http' }] },
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
      ],
    }),
];

function policy(name: string, namespace: string, spec: Raw): Raw {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

type Operation =
  | { readonly op: 'pod'; readonly spec: PodSpec }
  | { readonly op: 'delete-pod'; readonly name: string; readonly namespace: string }
  | { readonly op: 'namespace'; readonly name: string; readonly team: string | undefined }
  | { readonly op: 'delete-namespace'; readonly name: string }
  | { readonly op: 'policy'; readonly name: string; readonly namespace: string; readonly spec: number }
  | { readonly op: 'delete-policy'; readonly name: string; readonly namespace: string }
  | { readonly op: 'node'; readonly ip: string }
  | { readonly op: 'plan' };

const podName = fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5');
const namespaceName = fc.constantFrom(...NAMESPACES);
const policyName = fc.constantFrom('pol0', 'pol1', 'pol2');

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('pod' as const),
      spec: fc.record({
        name: podName,
        namespace: namespaceName,
        node: fc.constantFrom('n1', 'n2'),
        app: fc.constantFrom('web', 'db', 'client'),
        ips: fc.oneof(
          fc.constantFrom(...IPS).map((ip) => [ip]),
          fc.tuple(fc.constantFrom(...IPS.slice(0, 4)), fc.constantFrom(...IPS.slice(4))).map(([a, b]) => [a, b]),
          fc.constant([] as string[]),
        ),
        httpPort: fc.constantFrom(80, 8080, undefined),
        phase: fc.constantFrom('Running' as const, 'Running' as const, 'Succeeded' as const, 'Pending' as const),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete-pod' as const), name: podName, namespace: namespaceName }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('namespace' as const), name: namespaceName, team: fc.constantFrom('x', 'y', undefined) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete-namespace' as const), name: namespaceName }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('policy' as const),
      name: policyName,
      namespace: namespaceName,
      spec: fc.integer({ min: 0, max: POLICY_SPECS.length - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete-policy' as const), name: policyName, namespace: namespaceName }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('node' as const), ip: fc.constantFrom('192.168.0.1', '192.168.0.2') }) },
  { weight: 3, arbitrary: fc.constant({ op: 'plan' as const }) },
);

/** A populated cluster every sequence starts from, so that the events have something to change. */
const START: readonly Operation[] = [
  { op: 'node', ip: '192.168.0.1' },
  { op: 'namespace', name: 'ns-a', team: 'x' },
  { op: 'namespace', name: 'ns-b', team: 'y' },
  ...['p0', 'p1', 'p2', 'p3'].flatMap((name, index): Operation[] =>
    NAMESPACES.map((namespace) => ({
      op: 'pod',
      spec: {
        name,
        namespace,
        node: index % 2 === 0 ? 'n1' : 'n2',
        app: ['web', 'db', 'client', 'web'][index] as string,
        ips: [IPS[(index + (namespace === 'ns-a' ? 0 : 2)) % 4] as string, ...(index === 0 ? [IPS[4] as string] : [])],
        httpPort: index % 2 === 0 ? 80 : 8080,
        phase: 'Running',
      },
    })),
  ),
  ...POLICY_SPECS.map((_, spec): Operation => ({
    op: 'policy',
    name: `pol${spec % 3}`,
    namespace: NAMESPACES[spec % 2] as string,
    spec,
  })),
];

function apply(store: ClusterStore, operation: Operation): void {
  switch (operation.op) {
    case 'pod':
      return store.upsert(rawPod(operation.spec));
    case 'delete-pod':
      return store.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: operation.name, namespace: operation.namespace } });
    case 'namespace':
      return store.upsert({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: operation.name, labels: operation.team === undefined ? {} : { team: operation.team } },
      });
    case 'delete-namespace':
      return store.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: operation.name } });
    case 'policy':
      return store.upsert((POLICY_SPECS[operation.spec] as (n: string, ns: string) => Raw)(operation.name, operation.namespace));
    case 'delete-policy':
      return store.remove({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: operation.name, namespace: operation.namespace },
      });
    case 'node':
      return store.upsert(rawNode(NODE, operation.ip));
    case 'plan':
      return;
  }
}

function content(plan: FirewallPlan): unknown {
  return {
    node: plan.node,
    nodeAddresses: plan.nodeAddresses,
    pods: plan.pods.values(),
    policies: plan.policies.values(),
    peerSets: plan.peerSets.values(),
  };
}

describe('FirewallPlanner (incremental)', () => {
  it('keeps a plan equal to the full plan of the current snapshot after any sequence of events', () => {
    // Counts the comparisons that had something to compare, so the property cannot pass on
    // plans that stay empty (objects the store refuses, say).
    let substantial = 0;
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 50 }), (operations) => {
        const store = new ClusterStore();
        const changes: ObjectChange[] = [];
        store.onChange((set) => changes.push(...set.changes));
        for (const step of START) apply(store, step);
        const planner = new FirewallPlanner(NODE);
        planner.full(store.snapshot());
        changes.length = 0;
        for (const step of [...operations, { op: 'plan' as const }]) {
          apply(store, step);
          if (step.op !== 'plan') continue;
          const incremental = planner.update(store.snapshot(), changes.splice(0));
          assert.deepEqual(content(incremental), content(planFirewall(store.snapshot(), NODE)));
          const busy = incremental.policies.size > 0 && incremental.peerSets.values().some((set) => set.kind === 'pods' && set.addresses.length > 1);
          if (busy) substantial++;
        }
      }),
      { numRuns: 400, seed: 20261202 },
    );
    assert.ok(substantial > 400, `only ${substantial} comparisons had policies and populated sets`);
  });

  it('changes only the peer set of a relabelled remote pod, never a set id or a policy', () => {
    const store = new ClusterStore();
    const changes: ObjectChange[] = [];
    store.onChange((set) => changes.push(...set.changes));
    store.upsert(rawNode(NODE, '192.168.0.1'));
    store.upsert(rawPod({ name: 'db', namespace: 'ns-a', node: NODE, app: 'db', ips: ['10.0.0.1'], httpPort: undefined, phase: 'Running' }));
    store.upsert(rawPod({ name: 'c1', namespace: 'ns-a', node: 'n2', app: 'client', ips: ['10.0.0.2'], httpPort: undefined, phase: 'Running' }));
    store.upsert(
      policy('db-from-clients', 'ns-a', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
      }),
    );
    const planner = new FirewallPlanner(NODE);
    const before = planner.full(store.snapshot());
    changes.length = 0;
    store.upsert(rawPod({ name: 'c2', namespace: 'ns-a', node: 'n2', app: 'client', ips: ['10.0.0.5'], httpPort: undefined, phase: 'Running' }));
    const after = planner.update(store.snapshot(), changes.splice(0));

    assert.deepEqual(after.policies.diff(before.policies), { changed: [], removed: [] });
    assert.deepEqual(after.pods.diff(before.pods), { changed: [], removed: [] });
    const setChanges = after.peerSets.diff(before.peerSets);
    assert.equal(setChanges.changed.length, 1);
    assert.deepEqual(setChanges.removed, []);
    const [id] = setChanges.changed;
    const set = after.peerSets.get(id as string);
    assert.ok(set?.kind === 'pods');
    assert.deepEqual(set.addresses, ['10.0.0.2', '10.0.0.5']);
    assert.deepEqual(after.policies.get('ns-a/db-from-clients'), before.policies.get('ns-a/db-from-clients'));
  });

  it('shares one set between two policies with the same peer, and drops it with the last one', () => {
    const store = new ClusterStore();
    store.upsert(rawPod({ name: 'db', namespace: 'ns-a', node: NODE, app: 'db', ips: ['10.0.0.1'], httpPort: undefined, phase: 'Running' }));
    const peer = { from: [{ podSelector: { matchLabels: { app: 'client' } } }] };
    store.upsert(policy('one', 'ns-a', { podSelector: {}, ingress: [peer] }));
    store.upsert(policy('two', 'ns-a', { podSelector: { matchLabels: { app: 'db' } }, ingress: [peer] }));
    const planner = new FirewallPlanner(NODE);
    const both = planner.full(store.snapshot());
    const ruleSets = (key: string): readonly string[] => {
      const peers = both.policies.get(key)?.ingress[0]?.peers;
      assert.ok(peers !== undefined && !peers.any);
      return peers.sets;
    };
    assert.deepEqual(ruleSets('ns-a/one'), ruleSets('ns-a/two'));
    assert.equal(both.peerSets.size, 2, 'one set per family');
    store.remove({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'one', namespace: 'ns-a' } });
    const one = planner.update(store.snapshot(), [{ kind: 'NetworkPolicy', key: 'ns-a/one', type: 'deleted' }]);
    assert.equal(one.peerSets.size, 2);
    store.remove({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'two', namespace: 'ns-a' } });
    const none = planner.update(store.snapshot(), [{ kind: 'NetworkPolicy', key: 'ns-a/two', type: 'deleted' }]);
    assert.equal(none.peerSets.size, 0);
    assert.equal(none.policies.size, 0);
  });
});
