import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'mocha';
import type { ProxyPlan } from '../../src/core/plan/index.js';
import { planServices, ServicePlanner, type ProxyPlanOptions } from '../../src/core/planner/index.js';
import type { ObjectChange } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';

const NODE = 'n1';
const OPTIONS: ProxyPlanOptions = { clusterCIDRs: ['10.244.0.0/16'], nodePortAddresses: ['192.168.0.0/16'] };

interface ServiceSpec {
  clusterIP: string;
  ports?: { name: string; port: number; protocol?: string }[];
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

function rawService(name: string, spec: ServiceSpec): Record<string, unknown> {
  const ports = spec.ports ?? [{ name: 'http', port: 80 }];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: 'default',
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      ...(spec.resourceVersion ? { resourceVersion: spec.resourceVersion } : {}),
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: spec.clusterIP,
      clusterIPs: [spec.clusterIP],
      ports: ports.map((port) => ({ name: port.name, protocol: port.protocol ?? 'TCP', port: port.port, targetPort: 8080 })),
    },
  };
}

function rawSlice(name: string, serviceName: string, ips: string[], resourceVersion?: string): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': serviceName },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'n2' })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function rawNode(name: string, internalIP: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: { addresses: [{ type: 'InternalIP', address: internalIP }] },
  };
}

/** Counts the snapshot reads a planner makes, to check that a change costs only its own work. */
function countingReads(snapshot: ClusterSnapshot): { snapshot: ClusterSnapshot; reads: string[] } {
  const reads: string[] = [];
  const counted = new Proxy(snapshot, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads.push(`${String(property)}(${args.join(',')})`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { snapshot: counted, reads };
}

describe('ServicePlanner (incremental, over a ClusterStore)', () => {
  let store: ClusterStore;
  let changes: ObjectChange[];
  let planner: ServicePlanner;
  let first: ProxyPlan;

  /** Applies `change` to the store and updates the planner with what it announced. */
  function step(change: () => void): { plan: ProxyPlan; previous: ProxyPlan; reads: string[] } {
    const previous = planner.current as ProxyPlan;
    changes = [];
    change();
    const { snapshot, reads } = countingReads(store.snapshot());
    const plan = planner.update(snapshot, changes);
    assert.deepEqual(plan.servicePorts.values(), planServices(store.snapshot(), NODE, OPTIONS).servicePorts.values());
    return { plan, previous, reads };
  }

  beforeEach(() => {
    store = new ClusterStore();
    changes = [];
    store.onChange((set) => changes.push(...set.changes));
    store.batch(() => {
      store.upsert(rawNode('n1', '192.168.0.1'));
      store.upsert(rawNode('n2', '192.168.0.2'));
      store.upsert(rawService('web', { clusterIP: '10.96.0.10' }));
      store.upsert(rawService('web-2', { clusterIP: '10.96.0.11' }));
      store.upsert(rawService('api', { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }] }));
      store.upsert(rawSlice('web-a', 'web', ['10.244.1.1']));
      store.upsert(rawSlice('web-2-a', 'web-2', ['10.244.1.2']));
      store.upsert(rawSlice('api-a', 'api', ['10.244.1.3']));
    });
    planner = new ServicePlanner(NODE, OPTIONS);
    first = planner.full(store.snapshot());
  });

  it('plans in full as planServices does, on the store snapshot', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(first)), JSON.parse(JSON.stringify(planServices(store.snapshot(), NODE, OPTIONS))));
    assert.deepEqual(
      first.servicePorts.values().map((p) => p.key),
      ['default/api:grpc/TCP', 'default/api:http/TCP', 'default/web-2:http/TCP', 'default/web:http/TCP'],
    );
    assert.deepEqual(first.settings.nodePortAddresses, [{ ip: '192.168.0.1', family: 'IPv4' }]);
    assert.equal(planner.current, first);
  });

  it('plans in full on the first update', () => {
    const fresh = new ServicePlanner(NODE, OPTIONS);
    assert.deepEqual(JSON.parse(JSON.stringify(fresh.update(store.snapshot(), []))), JSON.parse(JSON.stringify(first)));
  });

  it('replans one service for an EndpointSlice change and keeps every other fragment object', () => {
    const { plan, previous, reads } = step(() => store.upsert(rawSlice('web-a', 'web', ['10.244.1.1', '10.244.1.9'])));
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), { changed: ['default/web:http/TCP'], removed: [] });
    assert.deepEqual(
      plan.servicePorts.get('default/web:http/TCP')?.clusterEndpoints.map((e) => e.ip),
      ['10.244.1.1', '10.244.1.9'],
    );
    for (const key of ['default/api:grpc/TCP', 'default/api:http/TCP', 'default/web-2:http/TCP']) {
      assert.equal(plan.servicePorts.get(key), previous.servicePorts.get(key), key);
    }
    assert.equal(plan.settings, previous.settings);
    assert.deepEqual(
      reads.filter((read) => read.startsWith('service(')),
      ['service(default/web)'],
    );
  });

  it('keeps every fragment object when a change alters nothing the planner reads', () => {
    const { plan, previous } = step(() => {
      store.upsert(rawService('web', { clusterIP: '10.96.0.10', resourceVersion: '2', annotations: { 'example.com/owner': 'me' } }));
      store.upsert(rawSlice('api-a', 'api', ['10.244.1.3'], '7'));
    });
    assert.notEqual(changes.length, 0, 'the store announced both changes');
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), { changed: [], removed: [] });
    assert.equal(plan, previous);
  });

  it('deletes the fragment of a port the service no longer has, and adds the new one', () => {
    const { plan, previous } = step(() =>
      store.upsert(rawService('api', { clusterIP: '10.96.0.12', ports: [{ name: 'grpc', port: 9090 }, { name: 'metrics', port: 9100 }] })),
    );
    // grpc is replanned too, comes out equal, and keeps its object.
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), {
      changed: ['default/api:metrics/TCP'],
      removed: ['default/api:http/TCP'],
    });
    assert.equal(plan.servicePorts.get('default/api:grpc/TCP'), previous.servicePorts.get('default/api:grpc/TCP'));
  });

  it('deletes only the deleted service fragments, not those of a service whose name extends it', () => {
    const { plan, previous } = step(() => store.remove(rawService('web', { clusterIP: '10.96.0.10' })));
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), { changed: [], removed: ['default/web:http/TCP'] });
    assert.equal(plan.servicePorts.get('default/web-2:http/TCP'), previous.servicePorts.get('default/web-2:http/TCP'));
  });

  it('replans both services when a slice moves from one to another', () => {
    const { plan, previous } = step(() => store.upsert(rawSlice('web-a', 'api', ['10.244.1.1'])));
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), {
      changed: ['default/api:http/TCP', 'default/web:http/TCP'],
      removed: [],
    });
    assert.deepEqual(plan.servicePorts.get('default/web:http/TCP')?.frontends[0]?.noEndpoints, 'REJECT');
  });

  it('replans the owner of a deleted slice, and a service whose slice arrives before it', () => {
    let result = step(() => store.remove(rawSlice('web-2-a', 'web-2', [])));
    assert.deepEqual(result.plan.servicePorts.diff(result.previous.servicePorts).changed, ['default/web-2:http/TCP']);
    result = step(() => store.upsert(rawSlice('late-a', 'late', ['10.244.1.7'])));
    assert.equal(result.plan, result.previous);
    result = step(() => store.upsert(rawService('late', { clusterIP: '10.96.0.13' })));
    assert.deepEqual(
      result.plan.servicePorts.get('default/late:http/TCP')?.clusterEndpoints.map((e) => e.ip),
      ['10.244.1.7'],
    );
  });

  it('resolves only the settings when this node changes, and does nothing for another node', () => {
    let result = step(() => store.upsert(rawNode('n1', '192.168.0.100')));
    assert.equal(result.plan.servicePorts, result.previous.servicePorts);
    assert.deepEqual(result.plan.settings.nodeAddresses, [{ ip: '192.168.0.100', family: 'IPv4' }]);
    assert.deepEqual(result.reads, ['node(n1)']);
    result = step(() => store.upsert(rawNode('n2', '192.168.0.200')));
    assert.equal(result.plan, result.previous);
    assert.deepEqual(result.reads, []);
  });

  it('does no work for pods, namespaces and network policies', () => {
    const { plan, previous, reads } = step(() => {
      store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
      store.upsert({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
        spec: { nodeName: 'n1', containers: [{ name: 'main' }] },
        status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] },
      });
      store.upsert({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny', namespace: 'default' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    });
    assert.equal(changes.length, 3);
    assert.equal(plan, previous);
    assert.deepEqual(reads, []);
  });

  it('plans in full again, deleting fragments of services gone meanwhile and keeping equal ones', () => {
    const previous = first;
    store.remove(rawService('api', { clusterIP: '10.96.0.12' }));
    const plan = planner.full(store.snapshot());
    assert.deepEqual(plan.servicePorts.diff(previous.servicePorts), {
      changed: [],
      removed: ['default/api:grpc/TCP', 'default/api:http/TCP'],
    });
  });
});
