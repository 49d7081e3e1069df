import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ProxyEndpoint, ProxyFrontend, ServicePortPlan } from '../../src/core/plan/index.js';
import { planServices, type ProxyPlanOptions } from '../../src/core/planner/index.js';
import type { ModelObject } from '../../src/core/model/index.js';
import { endpoint, service, slice, slicePort } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

const LOCAL = 'n1';
const OPTIONS: ProxyPlanOptions = { clusterCIDRs: ['10.244.0.0/16'] };

function portPlan(objects: ModelObject[], options: ProxyPlanOptions = OPTIONS): ServicePortPlan {
  const plans = planServices(snapshotOf(...objects), LOCAL, options).servicePorts.values();
  assert.equal(plans.length, 1, plans.map((p) => p.key).join(', '));
  return plans[0] as ServicePortPlan;
}

function addresses(endpoints: readonly ProxyEndpoint[]): string[] {
  return endpoints.map((e) => `${e.ip}:${e.port}`);
}

/** `kind policy->set masquerade [short-circuit] [verdict]` of each frontend. */
function summary(frontends: readonly ProxyFrontend[]): string[] {
  return frontends.map((f) =>
    [
      `${f.kind} ${f.trafficPolicy}->${f.endpoints} ${f.masquerade}`,
      ...(f.shortCircuit ? ['short-circuit'] : []),
      ...(f.noEndpoints ? [f.noEndpoints] : []),
    ].join(' '),
  );
}

const nodePortSpec = { name: '', protocol: 'TCP' as const, port: 80, targetPort: 8080, nodePort: 30040 };
const localOnN1 = endpoint('10.244.0.4', { node: 'n1' });
const remoteOnN2 = endpoint('10.244.1.4', { node: 'n2' });

function sliceOf(name: string, ...endpoints: ReturnType<typeof endpoint>[]) {
  return slice(`default/${name}-1`, name, 'IPv4', [slicePort(8080)], endpoints);
}

describe('planServices: traffic policies, masquerade and verdicts', () => {
  describe('externalTrafficPolicy', () => {
    const lbLocal = service('default/lb-local', {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.40'],
      ports: [nodePortSpec],
      externalIPs: ['192.0.2.40'],
      loadBalancerIngress: [{ ip: '203.0.113.40', ipMode: 'VIP' }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
    });

    it('Local makes external frontends local, unmasqueraded and short-circuited; ClusterIP stays on Cluster', () => {
      const result = portPlan([lbLocal, sliceOf('lb-local', localOnN1, remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Cluster->cluster outside-cluster-cidrs',
        'NodePort Local->local never short-circuit',
        'ExternalIP Local->local never short-circuit',
        'LoadBalancer Local->local never short-circuit',
      ]);
      assert.deepEqual(result.frontends[1]?.shortCircuit, { endpoints: 'cluster', masqueradeFromNode: true });
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.0.4:8080', '10.244.1.4:8080']);
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.4:8080']);
      assert.equal(result.healthCheckNodePort, 32000);
    });

    it('Local without a local endpoint drops external traffic that the short circuit does not take', () => {
      // kube-proxy: endpoints exist (hasEndpoints) but none local for the external policy: DROP.
      const result = portPlan([lbLocal, sliceOf('lb-local', remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Cluster->cluster outside-cluster-cidrs',
        'NodePort Local->local never short-circuit DROP',
        'ExternalIP Local->local never short-circuit DROP',
        'LoadBalancer Local->local never short-circuit DROP',
      ]);
      // The short circuit still reaches the remote endpoint.
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.4:8080']);
      assert.deepEqual(result.localEndpoints, []);
    });

    it('counts for a ClusterIP service with external IPs', () => {
      const withExternal = service('default/ext-local', {
        clusterIPs: ['10.96.0.44'],
        externalIPs: ['192.0.2.44'],
        externalTrafficPolicy: 'Local',
      });
      const result = portPlan([withExternal, sliceOf('ext-local', remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Cluster->cluster outside-cluster-cidrs',
        'ExternalIP Local->local never short-circuit DROP',
      ]);
    });

    it('is ignored on a service nothing reaches from outside', () => {
      const internalOnly = service('default/internal', {
        clusterIPs: ['10.96.0.41'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32001,
      });
      const result = portPlan([internalOnly, sliceOf('internal', remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), ['ClusterIP Cluster->cluster outside-cluster-cidrs']);
      assert.deepEqual(result.localEndpoints, []);
      assert.equal(result.healthCheckNodePort, undefined);
    });

    it('gives a NodePort service no health check node port (kube-proxy serves it for LoadBalancers only)', () => {
      const nodePortLocal = service('default/np-local', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.42'],
        ports: [nodePortSpec],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32002,
      });
      const result = portPlan([nodePortLocal]);
      assert.equal(result.healthCheckNodePort, undefined);
    });
  });

  describe('internalTrafficPolicy', () => {
    it('Local on a ClusterIP-only service uses only this node endpoints and computes no cluster set', () => {
      const itpLocal = service('default/itp', { clusterIPs: ['10.96.0.43'], internalTrafficPolicy: 'Local' });
      const itpSlice = slice('default/itp-1', 'itp', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.43', { node: 'n2' }),
        endpoint('10.244.0.43', { node: 'n1' }),
        endpoint('10.244.0.44', { node: 'n1', ready: false }),
      ]);
      const result = portPlan([itpLocal, itpSlice]);
      assert.deepEqual(summary(result.frontends), ['ClusterIP Local->local outside-cluster-cidrs']);
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.43:80']);
      // No frontend uses the cluster set (kube-proxy's UsesClusterEndpoints is false).
      assert.deepEqual(result.clusterEndpoints, []);
    });

    it('Local drops cluster IP traffic when endpoints exist only elsewhere', () => {
      const itpLocal = service('default/itp', { clusterIPs: ['10.96.0.43'], internalTrafficPolicy: 'Local' });
      const result = portPlan([itpLocal, slice('default/itp-1', 'itp', 'IPv4', [slicePort(80)], [remoteOnN2])]);
      assert.deepEqual(summary(result.frontends), ['ClusterIP Local->local outside-cluster-cidrs DROP']);
    });

    it('Local with eTP Local on a NodePort still fills the cluster set, for the short circuit', () => {
      const bothLocal = service('default/both', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.45'],
        ports: [nodePortSpec],
        internalTrafficPolicy: 'Local',
        externalTrafficPolicy: 'Local',
      });
      const result = portPlan([bothLocal, sliceOf('both', localOnN1, remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Local->local outside-cluster-cidrs',
        'NodePort Local->local never short-circuit',
      ]);
      // UsesClusterEndpoints: the port is externally accessible, so pods and the node reaching
      // the NodePort go to every ready endpoint.
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.0.4:8080', '10.244.1.4:8080']);
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.4:8080']);
    });

    it('Local with an eTP Cluster NodePort: the NodePort uses the cluster set, the cluster IP the local one', () => {
      const mixed = service('default/mixed', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.46'],
        ports: [nodePortSpec],
        internalTrafficPolicy: 'Local',
      });
      const result = portPlan([mixed, sliceOf('mixed', remoteOnN2)]);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Local->local outside-cluster-cidrs DROP',
        'NodePort Cluster->cluster always',
      ]);
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.4:8080']);
    });

    it('fills the cluster set per family: only families with an external frontend need it', () => {
      const dual = service('default/dual', {
        clusterIPs: ['10.96.0.47', 'fd00:96::47'],
        externalIPs: ['192.0.2.47'],
        internalTrafficPolicy: 'Local',
      });
      const v4 = slice('default/dual-a', 'dual', 'IPv4', [slicePort(80)], [endpoint('10.244.1.47', { node: 'n2' })]);
      const v6 = slice('default/dual-b', 'dual', 'IPv6', [slicePort(80)], [endpoint('fd10::47', { node: 'n2' })]);
      const result = portPlan([dual, v4, v6]);
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.47:80']);
      assert.deepEqual(summary(result.frontends), [
        'ClusterIP Local->local outside-cluster-cidrs DROP',
        'ClusterIP Local->local outside-cluster-cidrs DROP',
        'ExternalIP Cluster->cluster always',
      ]);
    });
  });

  describe('masquerade of cluster IPs', () => {
    const svc = service('default/web', { clusterIPs: ['10.96.0.50'], type: 'NodePort', ports: [nodePortSpec] });
    const slices = [sliceOf('web', remoteOnN2)];

    it('is always under masqueradeAll, which does not touch external frontends', () => {
      const result = portPlan([svc, ...slices], { clusterCIDRs: ['10.244.0.0/16'], masqueradeAll: true });
      assert.deepEqual(summary(result.frontends), ['ClusterIP Cluster->cluster always', 'NodePort Cluster->cluster always']);
    });

    it('is never when neither cluster CIDRs nor masqueradeAll are given (no local traffic detector)', () => {
      const result = portPlan([svc, ...slices], { clusterCIDRs: [] });
      assert.deepEqual(summary(result.frontends), ['ClusterIP Cluster->cluster never', 'NodePort Cluster->cluster always']);
    });

    it('keeps eTP Local external frontends unmasqueraded under masqueradeAll', () => {
      const local = service('default/web', { ...svc, externalTrafficPolicy: 'Local' });
      const result = portPlan([local, sliceOf('web', localOnN1)], { clusterCIDRs: [], masqueradeAll: true });
      assert.deepEqual(summary(result.frontends), ['ClusterIP Cluster->cluster always', 'NodePort Local->local never short-circuit']);
    });
  });

  describe('verdicts without endpoints', () => {
    const lb = service('default/lb', {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.60'],
      ports: [nodePortSpec],
      loadBalancerIngress: [{ ip: '203.0.113.60', ipMode: 'VIP' }],
      externalTrafficPolicy: 'Local',
    });

    it('rejects on every frontend, Local ones included, when the port has no endpoint at all', () => {
      const result = portPlan([lb]);
      assert.deepEqual(
        result.frontends.map((f) => f.noEndpoints),
        ['REJECT', 'REJECT', 'REJECT'],
      );
    });

    it('rejects when no endpoint is usable: not ready, and terminating without serving', () => {
      const unusable = sliceOf(
        'lb',
        endpoint('10.244.0.61', { node: 'n1', ready: false }),
        endpoint('10.244.1.61', { node: 'n2', ready: false, serving: false, terminating: true }),
      );
      assert.deepEqual(
        portPlan([lb, unusable]).frontends.map((f) => f.noEndpoints),
        ['REJECT', 'REJECT', 'REJECT'],
      );
    });

    it('counts a serving terminating endpoint elsewhere as usable: DROP on Local frontends, not REJECT', () => {
      const draining = sliceOf('lb', endpoint('10.244.1.62', { node: 'n2', ready: false, serving: true, terminating: true }));
      const result = portPlan([lb, draining]);
      assert.deepEqual(
        result.frontends.map((f) => f.noEndpoints),
        [undefined, 'DROP', 'DROP'],
      );
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.62:8080']);
    });

    it('decides per family: IPv6 frontends reject while IPv4 ones forward', () => {
      const dual = service('default/dual', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.63', 'fd00:96::63'],
        ports: [nodePortSpec],
      });
      const result = portPlan([dual, sliceOf('dual', remoteOnN2)]);
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.family} ${f.noEndpoints ?? 'forward'}`),
        ['ClusterIP IPv4 forward', 'ClusterIP IPv6 REJECT', 'NodePort IPv4 forward', 'NodePort IPv6 REJECT'],
      );
      assert.equal('noEndpoints' in (result.frontends[0] as object), false);
    });
  });
});
