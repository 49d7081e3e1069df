import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertService } from '../../src/core/convert/index.js';
import type { Service } from '../../src/core/model/index.js';
import { patched, rawLoadBalancer, rawService } from './fixtures.js';

const SHOP_META = { namespace: 'shop', labels: {}, annotations: {} } as const;

/** The defaults every converted service carries unless a test overrides them. */
const DEFAULTS = {
  externalIPs: [],
  loadBalancerIngress: [],
  loadBalancerSourceRanges: [],
  sessionAffinity: 'None',
  sessionAffinityTimeoutSeconds: 10800,
  externalTrafficPolicy: 'Cluster',
  internalTrafficPolicy: 'Cluster',
  publishNotReadyAddresses: false,
} as const;

describe('convertService', () => {
  it('converts a ClusterIP service with defaults', () => {
    const result = convertService(rawService());
    assert.deepEqual(result.problems, []);
    const expected: Service = {
      kind: 'Service',
      ...SHOP_META,
      name: 'web',
      key: 'shop/web',
      type: 'ClusterIP',
      selector: { app: 'web' },
      clusterIPs: ['10.96.0.10'],
      headless: false,
      ipFamilies: ['IPv4'],
      ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080 }],
      ...DEFAULTS,
    };
    assert.deepEqual(result.object, expected);
  });

  it('converts a dual-stack NodePort service with named ports, a named targetPort and affinity', () => {
    const raw = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'dns', namespace: 'kube-system' },
      spec: {
        type: 'NodePort',
        selector: { k8s: 'dns' },
        clusterIP: '10.96.0.53',
        clusterIPs: ['10.96.0.53', 'fd00:96::0:53'],
        ipFamilyPolicy: 'RequireDualStack',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: 30053 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53, nodePort: 30053, appProtocol: 'dns' },
          { name: 'metrics', port: 9153, nodePort: 9153 },
        ],
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
        externalIPs: ['198.51.100.5', '2001:DB8::5'],
        publishNotReadyAddresses: true,
      },
    };
    const result = convertService(raw);
    assert.deepEqual(result.problems, []);
    const expected: Service = {
      kind: 'Service',
      namespace: 'kube-system',
      name: 'dns',
      key: 'kube-system/dns',
      labels: {},
      annotations: {},
      type: 'NodePort',
      selector: { k8s: 'dns' },
      clusterIPs: ['10.96.0.53', 'fd00:96::53'],
      headless: false,
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'RequireDualStack',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns', nodePort: 30053 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53, nodePort: 30053, appProtocol: 'dns' },
        // 9153 is outside 30000-32767 but valid: clusters may configure another range.
        { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153, nodePort: 9153 },
      ],
      externalIPs: ['198.51.100.5', '2001:db8::5'],
      loadBalancerIngress: [],
      loadBalancerSourceRanges: [],
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeoutSeconds: 600,
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
      publishNotReadyAddresses: true,
    };
    assert.deepEqual(result.object, expected);
  });

  it('converts a LoadBalancer service with ingress, source ranges and a health check port', () => {
    const raw = patched(rawLoadBalancer(), (r) => {
      r.spec.externalTrafficPolicy = 'Local';
      r.spec.healthCheckNodePort = 32100;
      r.spec.loadBalancerClass = 'example.com/lb';
      r.spec.loadBalancerSourceRanges = ['203.0.113.0/24', ' 2001:db8:f::/48 '];
      r.status.loadBalancer.ingress = [
        { ip: '203.0.113.7' },
        { ip: '2001:db8:0::7', ipMode: 'Proxy' },
        { hostname: 'lb.example.com' },
      ];
    });
    const result = convertService(raw);
    assert.deepEqual(result.problems, []);
    const expected: Service = {
      kind: 'Service',
      ...SHOP_META,
      name: 'edge',
      key: 'shop/edge',
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.20'],
      headless: false,
      ipFamilies: ['IPv4'],
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 30443 }],
      ...DEFAULTS,
      loadBalancerIngress: [
        { ip: '203.0.113.7', ipMode: 'VIP' },
        { ip: '2001:db8::7', ipMode: 'Proxy' },
        { hostname: 'lb.example.com', ipMode: 'VIP' },
      ],
      loadBalancerSourceRanges: ['203.0.113.0/24', '2001:db8:f::/48'],
      loadBalancerClass: 'example.com/lb',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32100,
    };
    assert.deepEqual(result.object, expected);
  });

  it('converts an ExternalName service, ignoring a cluster IP with a warning', () => {
    const raw = patched(rawService(), (r) => {
      r.spec.type = 'ExternalName';
      r.spec.externalName = 'db.example.com';
      delete r.spec.selector;
    });
    const result = convertService(raw);
    const service = result.object as Service;
    assert.equal(service.type, 'ExternalName');
    assert.equal(service.externalName, 'db.example.com');
    assert.deepEqual(service.clusterIPs, []);
    assert.deepEqual(service.ipFamilies, []);
    assert.equal(service.selector, undefined);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['warning', 'spec.clusterIP']]);
  });

  it('converts a headless service', () => {
    const raw = patched(rawService(), (r) => {
      r.spec.clusterIP = 'None';
      r.spec.clusterIPs = ['None'];
      r.spec.ipFamilies = ['IPv6'];
    });
    const result = convertService(raw);
    assert.deepEqual(result.problems, []);
    const service = result.object as Service;
    assert.equal(service.headless, true);
    assert.deepEqual(service.clusterIPs, []);
    assert.deepEqual(service.ipFamilies, ['IPv6']);
  });

  it('converts an IPv6-only service, normalising the address', () => {
    const result = convertService(patched(rawService(), (r) => (r.spec.clusterIP = 'FD00:0096:0000::000A')));
    assert.deepEqual(result.problems, []);
    const service = result.object as Service;
    assert.deepEqual(service.clusterIPs, ['fd00:96::a']);
    assert.deepEqual(service.ipFamilies, ['IPv6']);
  });

  it('keeps a service whose cluster IP is not allocated yet, and reads an empty selector as none', () => {
    const result = convertService(patched(rawService(), (r) => { delete r.spec.clusterIP; r.spec.selector = {}; }));
    assert.deepEqual(result.problems, []);
    const service = result.object as Service;
    assert.deepEqual(service.clusterIPs, []);
    assert.deepEqual(service.ipFamilies, []);
    assert.equal(service.selector, undefined);
  });

  it('defaults targetPort 0 to the port and keeps nodePort 0 unset', () => {
    const result = convertService(patched(rawLoadBalancer(), (r) => { r.spec.ports[0].targetPort = 0; r.spec.ports[0].nodePort = 0; }));
    assert.deepEqual(result.problems, []);
    assert.deepEqual((result.object as Service).ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }]);
  });

  it('keeps externalTrafficPolicy Local on a ClusterIP service with externalIPs, which is externally accessible', () => {
    const raw = patched(rawService(), (r) => {
      r.spec.externalIPs = ['198.51.100.9'];
      r.spec.externalTrafficPolicy = 'Local';
    });
    const result = convertService(raw);
    assert.deepEqual(result.problems, []);
    assert.equal((result.object as Service).externalTrafficPolicy, 'Local');
    assert.deepEqual((result.object as Service).externalIPs, ['198.51.100.9']);
  });

  it('refuses any externalTrafficPolicy on a ClusterIP service without externalIPs (error), keeping the service', () => {
    for (const policy of ['Local', 'Cluster']) {
      const result = convertService(patched(rawService(), (r) => (r.spec.externalTrafficPolicy = policy)));
      assert.equal((result.object as Service).externalTrafficPolicy, 'Cluster', policy);
      assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['error', 'spec.externalTrafficPolicy']], policy);
      assert.match(result.problems[0]?.message ?? '', /NodePort, LoadBalancer and ClusterIP services with externalIPs/);
    }
  });

  it('refuses externalTrafficPolicy on an ExternalName service', () => {
    const raw = patched(rawService(), (r) => {
      r.spec = { type: 'ExternalName', externalName: 'db.example.com', externalTrafficPolicy: 'Local' };
    });
    const result = convertService(raw);
    assert.equal((result.object as Service).externalTrafficPolicy, 'Cluster');
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['error', 'spec.externalTrafficPolicy']]);
  });

  it('drops a repeated nodePort of one protocol but keeps its port', () => {
    const raw = patched(rawLoadBalancer(), (r) => r.spec.ports.push({ name: 'http', port: 80, nodePort: 30443 }));
    const result = convertService(raw);
    assert.deepEqual((result.object as Service).ports[1], { name: 'http', protocol: 'TCP', port: 80, targetPort: 80 });
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['error', 'spec.ports[1].nodePort']]);
  });

  it('drops a service with more cluster IPs than families', () => {
    const raw = patched(rawService(), (r) => {
      r.spec.clusterIPs = ['10.96.0.10', 'fd00::10'];
      r.spec.ipFamilies = ['IPv4'];
    });
    const result = convertService(raw);
    assert.equal(result.object, undefined);
    assert.equal(result.problems[0]?.field, 'spec.ipFamilies');
  });
});
