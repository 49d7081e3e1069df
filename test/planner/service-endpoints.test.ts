import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ProxyEndpoint, ServicePortPlan } from '../../src/core/plan/index.js';
import { planServices } from '../../src/core/planner/index.js';
import type { EndpointSlice, ModelObject } from '../../src/core/model/index.js';
import { endpoint, service, slice, slicePort } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

const LOCAL = 'n1';
const OPTIONS = { clusterCIDRs: ['10.244.0.0/16'] };

function portPlan(...objects: ModelObject[]): ServicePortPlan {
  const plans = planServices(snapshotOf(...objects), LOCAL, OPTIONS).servicePorts.values();
  assert.equal(plans.length, 1, plans.map((p) => p.key).join(', '));
  return plans[0] as ServicePortPlan;
}

function addresses(endpoints: readonly ProxyEndpoint[]): string[] {
  return endpoints.map((e) => (e.family === 'IPv6' ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`));
}

const web = service('default/web', {
  clusterIPs: ['10.96.0.10'],
  ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
});

function webSlice(name: string, endpoints: ReturnType<typeof endpoint>[], port = 8080): EndpointSlice {
  return slice(`default/${name}`, 'web', 'IPv4', [slicePort(port, 'http')], endpoints);
}

describe('planServices: endpoints', () => {
  describe('conditions', () => {
    // externalIPs with eTP Local, so both sets are computed.
    const roll = service('default/roll', {
      clusterIPs: ['10.96.0.50'],
      externalIPs: ['192.0.2.50'],
      externalTrafficPolicy: 'Local',
    });
    const rollSlice = (...endpoints: ReturnType<typeof endpoint>[]) =>
      slice('default/roll-1', 'roll', 'IPv4', [slicePort(80)], endpoints);

    it('uses only ready endpoints while there is one', () => {
      const result = portPlan(
        roll,
        rollSlice(
          endpoint('10.244.1.1', { node: 'n2' }),
          endpoint('10.244.1.2', { node: 'n2', ready: false, serving: true, terminating: true }),
          endpoint('10.244.1.3', { node: 'n2', ready: false }),
        ),
      );
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.1:80']);
    });

    it('falls back to serving terminating endpoints when none is ready', () => {
      const result = portPlan(
        roll,
        rollSlice(
          endpoint('10.244.1.2', { node: 'n2', ready: false, serving: true, terminating: true }),
          endpoint('10.244.1.3', { node: 'n2', ready: false, serving: false, terminating: true }),
          endpoint('10.244.1.4', { node: 'n2', ready: false }),
        ),
      );
      assert.deepEqual(result.clusterEndpoints, [
        { ip: '10.244.1.2', family: 'IPv4', port: 80, nodeName: 'n2', local: false, ready: false, serving: true, terminating: true },
      ]);
      assert.deepEqual(result.localEndpoints, []);
    });

    it('decides the local fallback apart from the cluster one', () => {
      const result = portPlan(
        roll,
        rollSlice(
          endpoint('10.244.1.1', { node: 'n2' }),
          endpoint('10.244.0.2', { node: 'n1', ready: false, serving: true, terminating: true }),
        ),
      );
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
      assert.deepEqual(addresses(portPlan(dual, v4, v6).clusterEndpoints), ['10.244.1.1:80', '[fd10::1:2]:80']);
    });
  });

  describe('duplicates across slices', () => {
    it('prefers a later ready copy to an earlier one that is not ready', () => {
      const old = webSlice('web-a', [endpoint('10.244.1.5', { node: 'n2', ready: false })]);
      const replacement = webSlice('web-b', [endpoint('10.244.1.5', { node: 'n2' })]);
      assert.deepEqual(portPlan(web, old, replacement).clusterEndpoints, [
        { ip: '10.244.1.5', family: 'IPv4', port: 8080, nodeName: 'n2', local: false, ready: true, serving: true, terminating: false },
      ]);
    });

    it('keeps the first copy when neither is better', () => {
      const first = webSlice('web-a', [endpoint('10.244.1.5', { node: 'n2', ready: false, serving: true, terminating: true })]);
      const second = webSlice('web-b', [endpoint('10.244.1.5', { node: 'n2', ready: false })]);
      assert.deepEqual(
        portPlan(web, second, first).clusterEndpoints.map((e) => [e.ip, e.serving, e.terminating]),
        [['10.244.1.5', true, true]],
      );
    });

    it('prefers a local copy, even one that is not ready, as kube-proxy endpoint slice cache does', () => {
      const remoteReady = webSlice('web-a', [endpoint('10.244.0.5', { node: 'n2' })]);
      const localNotReady = webSlice('web-b', [endpoint('10.244.0.5', { node: 'n1', ready: false })]);
      const result = portPlan(web, remoteReady, localNotReady);
      // The local copy is kept and is not ready, so no endpoint is usable at all.
      assert.deepEqual(result.clusterEndpoints, []);
      assert.equal(result.frontends[0]?.noEndpoints, 'REJECT');
    });

    it('does not let a later remote copy replace a local one', () => {
      const local = webSlice('web-a', [endpoint('10.244.0.5', { node: 'n1', ready: false, serving: true, terminating: true })]);
      const remote = webSlice('web-b', [endpoint('10.244.0.5', { node: 'n2' })]);
      assert.deepEqual(
        portPlan(web, local, remote).clusterEndpoints.map((e) => [e.nodeName, e.local, e.ready]),
        [['n1', true, false]],
      );
    });

    it('keeps the same address on two ports as two endpoints, sorted by port', () => {
      const oldPort = webSlice('web-a', [endpoint('10.244.1.5', { node: 'n2' })], 9090);
      const newPort = webSlice('web-b', [endpoint('10.244.1.5', { node: 'n2' })], 8080);
      assert.deepEqual(addresses(portPlan(web, oldPort, newPort).clusterEndpoints), ['10.244.1.5:8080', '10.244.1.5:9090']);
    });
  });

  describe('addresses', () => {
    it('uses only the first address, ignores addresses of the wrong family and FQDN slices', () => {
      const odd = webSlice('web-a', [endpoint('10.244.1.5', { extra: ['10.244.1.6'] }), endpoint('fd10::9')]);
      const fqdn = slice('default/web-f', 'web', 'FQDN', [slicePort(8080, 'http')], [endpoint('db.example.com')]);
      const result = portPlan(web, odd, fqdn);
      assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.5:8080']);
      assert.equal(result.clusterEndpoints[0]?.nodeName, undefined);
      assert.equal('nodeName' in (result.clusterEndpoints[0] as object), false);
      assert.equal(result.clusterEndpoints[0]?.local, false);
    });

    it('sorts endpoints numerically by address, IPv4 before IPv6, whatever the slice order', () => {
      const dual = service('default/dual', { clusterIPs: ['10.96.0.52', 'fd00:96::52'] });
      const v6 = slice('default/dual-a', 'dual', 'IPv6', [slicePort(80)], [endpoint('fd10::10'), endpoint('fd10::9')]);
      const v4 = slice('default/dual-b', 'dual', 'IPv4', [slicePort(80)], [
        endpoint('10.244.0.10'),
        endpoint('10.244.0.9'),
        endpoint('10.244.0.100'),
        endpoint('9.1.1.1'),
      ]);
      const result = portPlan(dual, v6, v4);
      assert.deepEqual(addresses(result.clusterEndpoints), [
        '9.1.1.1:80',
        '10.244.0.9:80',
        '10.244.0.10:80',
        '10.244.0.100:80',
        '[fd10::9]:80',
        '[fd10::10]:80',
      ]);
      assert.deepEqual(
        result.clusterEndpoints.map((e) => e.family),
        ['IPv4', 'IPv4', 'IPv4', 'IPv4', 'IPv6', 'IPv6'],
      );
    });
  });

  it('ignores slices labelled for another proxy or as a headless service, as kube-proxy informers do', () => {
    const labelled = (name: string, label: string, ip: string): EndpointSlice => {
      const base = webSlice(name, [endpoint(ip, { node: 'n2' })]);
      return { ...base, labels: { ...base.labels, [label]: 'x' } };
    };
    const result = portPlan(
      web,
      webSlice('web-a', [endpoint('10.244.1.1', { node: 'n2' })]),
      labelled('web-b', 'service.kubernetes.io/service-proxy-name', '10.244.1.2'),
      labelled('web-c', 'service.kubernetes.io/headless', '10.244.1.3'),
    );
    assert.deepEqual(addresses(result.clusterEndpoints), ['10.244.1.1:8080']);
  });
});
