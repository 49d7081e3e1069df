import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ProxyEndpoint, ServicePortPlan } from '../../src/core/plan/index.js';
import { planServices } from '../../src/core/planner/index.js';
import type { ModelObject } from '../../src/core/model/index.js';
import { endpoint, service, slice, slicePort, tcpPort } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

const LOCAL = 'n1';
const OPTIONS = { clusterCIDRs: ['10.244.0.0/16'] };

function plan(...objects: ModelObject[]): readonly ServicePortPlan[] {
  return planServices(snapshotOf(...objects), LOCAL, OPTIONS).servicePorts;
}

function only(plans: readonly ServicePortPlan[]): ServicePortPlan {
  assert.equal(plans.length, 1, `expected one service port, got ${plans.map((p) => p.key).join(', ')}`);
  return plans[0] as ServicePortPlan;
}

/** `ip:port` of each endpoint, for compact expectations. */
function addresses(endpoints: readonly ProxyEndpoint[]): string[] {
  return endpoints.map((e) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`));
}

const web = service('default/web', {
  clusterIPs: ['10.96.0.10'],
  ipFamilies: ['IPv4'],
  ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
});
const webSlice = slice('default/web-abc', 'web', 'IPv4', [slicePort(8080, 'http')], [
  endpoint('10.244.1.5', { node: 'n2' }),
  endpoint('10.244.0.7', { node: 'n1' }),
]);

describe('planServices', () => {
  describe('ClusterIP', () => {
    it('plans one ClusterIP frontend and the ready endpoints of the matching slice port', () => {
      assert.deepEqual(only(plan(web, webSlice)), {
        key: 'default/web:http/TCP',
        service: 'default/web',
        portName: 'http',
        protocol: 'TCP',
        frontends: [
          { kind: 'ClusterIP', ip: '10.96.0.10', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
        ],
        clusterEndpoints: [
          { ip: '10.244.0.7', port: 8080, nodeName: 'n1', local: true, ready: true, serving: true, terminating: false },
          { ip: '10.244.1.5', port: 8080, nodeName: 'n2', local: false, ready: true, serving: true, terminating: false },
        ],
        // No frontend uses Local policy, so the local set is not computed (as kube-proxy).
        localEndpoints: [],
      });
    });

    it('carries the resolved settings', () => {
      const result = planServices(snapshotOf(web), LOCAL, {
        clusterCIDRs: ['10.244.0.0/16', 'fd10::/48'],
        nodePortAddresses: ['192.168.0.0/16', '10.0.0.0/8'],
      });
      assert.equal(result.node, 'n1');
      assert.deepEqual(result.settings, {
        clusterCIDRs: ['10.244.0.0/16', 'fd10::/48'],
        masqueradeAll: false,
        nodePortAddresses: ['10.0.0.0/8', '192.168.0.0/16'],
      });
    });

    it('matches slice ports by name and protocol, and plans ports without endpoints', () => {
      const multi = service('default/multi', {
        clusterIPs: ['10.96.0.11'],
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 'web' },
          { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9100 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
          { name: 'dns', protocol: 'TCP', port: 53, targetPort: 5353 },
        ],
      });
      const multiSlice = slice(
        'default/multi-1',
        'multi',
        'IPv4',
        [slicePort(8080, 'http'), slicePort(9100, 'metrics'), slicePort(5353, 'dns', 'UDP')],
        [endpoint('10.244.1.9', { node: 'n2' })],
      );
      // A slice of another service, with the same port names, must not leak in.
      const otherSlice = slice('default/other-1', 'other', 'IPv4', [slicePort(7000, 'http')], [endpoint('10.244.1.1')]);
      const plans = plan(multi, multiSlice, otherSlice);
      assert.deepEqual(
        plans.map((p) => [p.key, addresses(p.clusterEndpoints)]),
        [
          ['default/multi:dns/TCP', []],
          ['default/multi:dns/UDP', ['10.244.1.9:5353']],
          ['default/multi:http/TCP', ['10.244.1.9:8080']],
          ['default/multi:metrics/TCP', ['10.244.1.9:9100']],
        ],
      );
    });

    it('does not match an unnamed slice port to a named service port', () => {
      const unnamed = slice('default/web-x', 'web', 'IPv4', [slicePort(8080)], [endpoint('10.244.1.5')]);
      assert.deepEqual(only(plan(web, unnamed)).clusterEndpoints, []);
    });

    it('skips headless, ExternalName and not yet allocated services', () => {
      const plans = plan(
        web,
        service('default/headless', { headless: true }),
        service('default/external', { type: 'ExternalName', externalName: 'example.com' }),
        service('default/pending', { clusterIPs: [] }),
      );
      assert.deepEqual(
        plans.map((p) => p.key),
        ['default/web:http/TCP'],
      );
    });

    it('sorts service ports by key across namespaces', () => {
      const plans = plan(
        service('kube-system/dns', { clusterIPs: ['10.96.0.2'], ports: [tcpPort(53, 'dns')] }),
        web,
        service('apps/api', { clusterIPs: ['10.96.0.3'] }),
      );
      assert.deepEqual(
        plans.map((p) => p.key),
        ['apps/api:/TCP', 'default/web:http/TCP', 'kube-system/dns:dns/TCP'],
      );
    });

    it('sets the affinity timeout for ClientIP session affinity only', () => {
      const sticky = service('default/sticky', {
        clusterIPs: ['10.96.0.12'],
        sessionAffinity: 'ClientIP',
        sessionAffinityTimeoutSeconds: 600,
      });
      const plans = plan(sticky, web);
      assert.equal(plans[0]?.key, 'default/sticky:/TCP');
      assert.equal(plans[0]?.affinityTimeoutSeconds, 600);
      assert.equal(plans[1]?.affinityTimeoutSeconds, undefined);
      assert.equal('affinityTimeoutSeconds' in (plans[1] as object), false);
    });
  });

  describe('NodePort, externalIPs and LoadBalancer', () => {
    it('plans NodePort frontends per family of a dual-stack service, with endpoints of both families', () => {
      const dual = service('default/dual', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.20', 'fd00:96::20'],
        ipFamilies: ['IPv4', 'IPv6'],
        ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
      });
      const v4 = slice('default/dual-v4', 'dual', 'IPv4', [slicePort(8080)], [endpoint('10.244.1.5', { node: 'n2' })]);
      const v6 = slice('default/dual-v6', 'dual', 'IPv6', [slicePort(8080)], [endpoint('fd10::1:5', { node: 'n2' })]);
      const result = only(plan(dual, v6, v4));
      assert.deepEqual(result.frontends, [
        { kind: 'ClusterIP', ip: '10.96.0.20', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'ClusterIP', ip: 'fd00:96::20', family: 'IPv6', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'NodePort', family: 'IPv4', port: 30080, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'NodePort', family: 'IPv6', port: 30080, trafficPolicy: 'Cluster', sourceRanges: [] },
      ]);
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.5:8080', '[fd10::1:5]:8080']);
    });

    it('plans external IPs of the families the service is served in', () => {
      const withExternal = service('default/ext', {
        clusterIPs: ['10.96.0.21'],
        externalIPs: ['192.0.2.20', '2001:db8::20', '192.0.2.10'],
      });
      assert.deepEqual(only(plan(withExternal)).frontends, [
        { kind: 'ClusterIP', ip: '10.96.0.21', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'ExternalIP', ip: '192.0.2.10', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'ExternalIP', ip: '192.0.2.20', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', sourceRanges: [] },
      ]);
    });

    it('plans VIP-mode load balancer IPs with the source ranges of their family; skips Proxy mode', () => {
      const lb = service('default/lb', {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.0.30'],
        ports: [{ name: '', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 31000 }],
        loadBalancerIngress: [
          { ip: '203.0.113.6', ipMode: 'Proxy' },
          { ip: '203.0.113.5', ipMode: 'VIP' },
          { hostname: 'lb.example.com', ipMode: 'VIP' },
        ],
        loadBalancerSourceRanges: ['198.51.100.0/24', '2001:db8:1::/48', '192.0.2.0/24'],
      });
      const result = only(plan(lb));
      assert.deepEqual(result.frontends, [
        { kind: 'ClusterIP', ip: '10.96.0.30', family: 'IPv4', port: 443, trafficPolicy: 'Cluster', sourceRanges: [] },
        { kind: 'NodePort', family: 'IPv4', port: 31000, trafficPolicy: 'Cluster', sourceRanges: [] },
        {
          kind: 'LoadBalancer',
          ip: '203.0.113.5',
          family: 'IPv4',
          port: 443,
          trafficPolicy: 'Cluster',
          sourceRanges: ['192.0.2.0/24', '198.51.100.0/24'],
        },
      ]);
      // Cluster policy: no health check node port.
      assert.equal(result.healthCheckNodePort, undefined);
    });
  });

  describe('traffic policies', () => {
    const lbLocal = service('default/lb-local', {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.40'],
      ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30040 }],
      externalIPs: ['192.0.2.40'],
      loadBalancerIngress: [{ ip: '203.0.113.40', ipMode: 'VIP' }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
    });
    const lbSlice = slice('default/lb-local-1', 'lb-local', 'IPv4', [slicePort(8080)], [
      endpoint('10.244.0.4', { node: 'n1' }),
      endpoint('10.244.1.4', { node: 'n2' }),
    ]);

    it('externalTrafficPolicy Local makes external frontends Local and leaves ClusterIP on Cluster', () => {
      const result = only(plan(lbLocal, lbSlice));
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.trafficPolicy}`),
        ['ClusterIP Cluster', 'NodePort Local', 'ExternalIP Local', 'LoadBalancer Local'],
      );
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.0.4:8080', '10.244.1.4:8080']);
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.4:8080']);
      assert.equal(result.healthCheckNodePort, 32000);
    });

    it('ignores externalTrafficPolicy Local on a service nothing reaches from outside', () => {
      const internalOnly = service('default/internal', {
        clusterIPs: ['10.96.0.41'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32001,
      });
      const result = only(plan(internalOnly));
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.trafficPolicy}`),
        ['ClusterIP Cluster'],
      );
      assert.equal(result.healthCheckNodePort, undefined);
    });

    it('plans no health check node port for a NodePort service with externalTrafficPolicy Local', () => {
      const nodePortLocal = service('default/np-local', {
        type: 'NodePort',
        clusterIPs: ['10.96.0.42'],
        ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30042 }],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32002,
      });
      const result = only(plan(nodePortLocal));
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.trafficPolicy}`),
        ['ClusterIP Cluster', 'NodePort Local'],
      );
      assert.equal(result.healthCheckNodePort, undefined);
    });

    it('internalTrafficPolicy Local makes ClusterIP frontends Local, with only this node endpoints', () => {
      const itpLocal = service('default/itp', { clusterIPs: ['10.96.0.43'], internalTrafficPolicy: 'Local' });
      const itpSlice = slice('default/itp-1', 'itp', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.43', { node: 'n2' }),
        endpoint('10.244.0.43', { node: 'n1' }),
        endpoint('10.244.0.44', { node: 'n1', ready: false }),
      ]);
      const result = only(plan(itpLocal, itpSlice));
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.trafficPolicy}`),
        ['ClusterIP Local'],
      );
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.43:80']);
      // No frontend uses Cluster policy, so the cluster set is not computed (as kube-proxy).
      assert.deepEqual(result.clusterEndpoints, []);
    });
  });

  describe('endpoint conditions', () => {
    const svc = service('default/roll', {
      clusterIPs: ['10.96.0.50'],
      externalIPs: ['192.0.2.50'],
      externalTrafficPolicy: 'Local',
    });

    it('uses only ready endpoints while there is one', () => {
      const rolling = slice('default/roll-1', 'roll', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.1', { node: 'n2' }),
        endpoint('10.244.1.2', { node: 'n2', ready: false, serving: true, terminating: true }),
        endpoint('10.244.1.3', { node: 'n2', ready: false }),
      ]);
      assert.deepEqual(addresses(only(plan(svc, rolling)).clusterEndpoints), ['10.244.1.1:80']);
    });

    it('falls back to serving terminating endpoints when none is ready', () => {
      const draining = slice('default/roll-1', 'roll', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.2', { node: 'n2', ready: false, serving: true, terminating: true }),
        endpoint('10.244.1.3', { node: 'n2', ready: false, serving: false, terminating: true }),
        endpoint('10.244.1.4', { node: 'n2', ready: false }),
      ]);
      const result = only(plan(svc, draining));
      assert.deepEqual(result.clusterEndpoints, [
        { ip: '10.244.1.2', port: 80, nodeName: 'n2', local: false, ready: false, serving: true, terminating: true },
      ]);
      assert.deepEqual(result.localEndpoints, []);
    });

    it('decides the local fallback apart from the cluster one', () => {
      const mixed = slice('default/roll-1', 'roll', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.1', { node: 'n2' }),
        endpoint('10.244.0.2', { node: 'n1', ready: false, serving: true, terminating: true }),
      ]);
      const result = only(plan(svc, mixed));
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.1:80']);
      assert.deepEqual(addresses(result.localEndpoints), ['10.244.0.2:80']);
    });

    it('decides the fallback per family', () => {
      const dual = service('default/dual', { clusterIPs: ['10.96.0.51', 'fd00:96::51'] });
      const v4 = slice('default/dual-a', 'dual', 'IPv4', [slicePort(80)], [
        endpoint('10.244.1.1', { node: 'n2' }),
        endpoint('10.244.1.2', { node: 'n2', ready: false, serving: true, terminating: true }),
      ]);
      const v6 = slice('default/dual-b', 'dual', 'IPv6', [slicePort(80)], [
        endpoint('fd10::1:2', { node: 'n2', ready: false, serving: true, terminating: true }),
      ]);
      assert.deepEqual(addresses(only(plan(dual, v4, v6)).clusterEndpoints), ['10.244.1.1:80', '[fd10::1:2]:80']);
    });

    it('deduplicates ip:port across slices, preferring a ready copy', () => {
      const old = slice('default/web-a', 'web', 'IPv4', [slicePort(8080, 'http')], [
        endpoint('10.244.1.5', { node: 'n2', ready: false }),
      ]);
      const replacement = slice('default/web-b', 'web', 'IPv4', [slicePort(8080, 'http')], [
        endpoint('10.244.1.5', { node: 'n2' }),
      ]);
      assert.deepEqual(only(plan(web, old, replacement)).clusterEndpoints, [
        { ip: '10.244.1.5', port: 8080, nodeName: 'n2', local: false, ready: true, serving: true, terminating: false },
      ]);
    });

    it('uses only the first address, ignores addresses of the wrong family and FQDN slices', () => {
      const odd = slice('default/web-a', 'web', 'IPv4', [slicePort(8080, 'http')], [
        endpoint('10.244.1.5', { extra: ['10.244.1.6'] }),
        endpoint('fd10::9'),
      ]);
      const fqdn = slice('default/web-f', 'web', 'FQDN', [slicePort(8080, 'http')], [endpoint('db.example.com')]);
      const result = only(plan(web, odd, fqdn));
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.5:8080']);
      assert.equal(result.clusterEndpoints[0]?.nodeName, undefined);
      assert.equal(result.clusterEndpoints[0]?.local, false);
    });
  });
});
