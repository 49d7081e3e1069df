import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ProxyEndpoint, ServicePortPlan } from '../../src/core/plan/index.js';
import { planServices, ServicePlanner } from '../../src/core/planner/index.js';
import type { ModelObject } from '../../src/core/model/index.js';
import { endpoint, node, service, slice, slicePort, tcpPort } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

const LOCAL = 'n1';
const OPTIONS = { clusterCIDRs: ['10.244.0.0/16'] };

function plan(...objects: ModelObject[]): readonly ServicePortPlan[] {
  return planServices(snapshotOf(...objects), LOCAL, OPTIONS).servicePorts.values();
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
          {
            kind: 'ClusterIP',
            ip: '10.96.0.10',
            family: 'IPv4',
            port: 80,
            trafficPolicy: 'Cluster',
            endpoints: 'cluster',
            sourceRanges: [],
            // Cluster CIDRs are known: kube-proxy masquerades only off-cluster clients of a VIP.
            masquerade: 'outside-cluster-cidrs',
          },
        ],
        clusterEndpoints: [
          { ip: '10.244.0.7', family: 'IPv4', port: 8080, nodeName: 'n1', local: true, ready: true, serving: true, terminating: false },
          { ip: '10.244.1.5', family: 'IPv4', port: 8080, nodeName: 'n2', local: false, ready: true, serving: true, terminating: false },
        ],
        // No frontend uses Local policy, so the local set is not computed (as kube-proxy).
        localEndpoints: [],
        hairpinMasquerade: true,
      });
    });

    it('is what a fresh ServicePlanner plans in full', () => {
      const snapshot = snapshotOf(web, webSlice, node('n1', { internalIPs: ['192.168.0.1'] }));
      const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
      assert.deepEqual(plain(planServices(snapshot, LOCAL, OPTIONS)), plain(new ServicePlanner(LOCAL, OPTIONS).full(snapshot)));
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
        plans.map((p) => [p.key, addresses(p.clusterEndpoints), p.frontends[0]?.noEndpoints]),
        [
          ['default/multi:dns/TCP', [], 'REJECT'],
          ['default/multi:dns/UDP', ['10.244.1.9:5353'], undefined],
          ['default/multi:http/TCP', ['10.244.1.9:8080'], undefined],
          ['default/multi:metrics/TCP', ['10.244.1.9:9100'], undefined],
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

    it('skips services labelled for another proxy, whatever the value, and ones labelled headless', () => {
      const labelled = (key: string, labels: Record<string, string>, ip: string) =>
        service(key, { clusterIPs: [ip], labels });
      const plans = plan(
        web,
        labelled('default/other-proxy', { 'service.kubernetes.io/service-proxy-name': 'cilium' }, '10.96.0.20'),
        // kube-proxy's selector is "label does not exist": an empty value, even kube-router's name, counts.
        labelled('default/empty-name', { 'service.kubernetes.io/service-proxy-name': '' }, '10.96.0.21'),
        labelled('default/named-us', { 'service.kubernetes.io/service-proxy-name': 'kube-router' }, '10.96.0.22'),
        labelled('default/headless-label', { 'service.kubernetes.io/headless': '' }, '10.96.0.23'),
        labelled('default/unrelated', { 'service.kubernetes.io/other': 'x' }, '10.96.0.24'),
      );
      assert.deepEqual(
        plans.map((p) => p.key),
        ['default/unrelated:/TCP', 'default/web:http/TCP'],
      );
    });

    it('keys service ports by text across namespaces and finds them by key', () => {
      const result = planServices(
        snapshotOf(
          service('kube-system/dns', { clusterIPs: ['10.96.0.2'], ports: [tcpPort(53, 'dns')] }),
          web,
          service('apps/api', { clusterIPs: ['10.96.0.3'] }),
        ),
        LOCAL,
        OPTIONS,
      );
      assert.deepEqual(
        result.servicePorts.values().map((p) => p.key),
        ['apps/api:/TCP', 'default/web:http/TCP', 'kube-system/dns:dns/TCP'],
      );
      assert.equal(result.servicePorts.get('kube-system/dns:dns/TCP')?.frontends[0]?.ip, '10.96.0.2');
      assert.equal(result.servicePorts.get('kube-system/dns:dns/UDP'), undefined);
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

    it('masquerades hairpin traffic on every port, as kube-proxy always does', () => {
      const plans = plan(web, webSlice, service('default/bare', { clusterIPs: ['10.96.0.13'] }));
      assert.deepEqual(
        plans.map((p) => p.hairpinMasquerade),
        [true, true],
      );
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
      const cluster = { trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [] } as const;
      assert.deepEqual(result.frontends, [
        { kind: 'ClusterIP', ip: '10.96.0.20', family: 'IPv4', port: 80, ...cluster, masquerade: 'outside-cluster-cidrs' },
        { kind: 'ClusterIP', ip: 'fd00:96::20', family: 'IPv6', port: 80, ...cluster, masquerade: 'outside-cluster-cidrs' },
        // externalTrafficPolicy Cluster: the endpoint may be on another node, so always masquerade.
        { kind: 'NodePort', family: 'IPv4', port: 30080, ...cluster, masquerade: 'always' },
        { kind: 'NodePort', family: 'IPv6', port: 30080, ...cluster, masquerade: 'always' },
      ]);
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.5:8080', '[fd10::1:5]:8080']);
      assert.deepEqual(
        result.clusterEndpoints.map((e) => e.family),
        ['IPv4', 'IPv6'],
      );
    });

    it('plans external IPs of the families the service is served in', () => {
      const withExternal = service('default/ext', {
        clusterIPs: ['10.96.0.21'],
        externalIPs: ['192.0.2.20', '2001:db8::20', '192.0.2.10'],
      });
      const result = only(plan(withExternal));
      assert.deepEqual(
        result.frontends.map((f) => `${f.kind} ${f.ip}`),
        ['ClusterIP 10.96.0.21', 'ExternalIP 192.0.2.10', 'ExternalIP 192.0.2.20'],
      );
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
      const lbSlice = slice('default/lb-1', 'lb', 'IPv4', [slicePort(8443)], [endpoint('10.244.1.30', { node: 'n2' })]);
      const result = only(plan(lb, lbSlice));
      assert.deepEqual(result.frontends.at(-1), {
        kind: 'LoadBalancer',
        ip: '203.0.113.5',
        family: 'IPv4',
        port: 443,
        trafficPolicy: 'Cluster',
        endpoints: 'cluster',
        sourceRanges: ['192.0.2.0/24', '198.51.100.0/24'],
        masquerade: 'always',
      });
      assert.deepEqual(
        result.frontends.map((f) => f.kind),
        ['ClusterIP', 'NodePort', 'LoadBalancer'],
      );
      // Cluster policy: no health check node port.
      assert.equal(result.healthCheckNodePort, undefined);
    });
  });
});
