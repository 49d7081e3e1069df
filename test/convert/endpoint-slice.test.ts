import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertEndpointSlice } from '../../src/core/convert/index.js';
import type { EndpointSlice } from '../../src/core/model/index.js';
import { patched, rawSlice } from './fixtures.js';

describe('convertEndpointSlice', () => {
  it('converts an IPv4 slice, resolving conditions and pod references', () => {
    const raw = patched(rawSlice(), (r) => {
      r.endpoints = [
        { addresses: ['10.244.1.5'], nodeName: 'node-a', zone: 'z1', targetRef: { kind: 'Pod', name: 'web-0' } },
        {
          addresses: ['10.244.2.6'],
          conditions: { ready: false, terminating: true },
          hostname: 'web-1',
          targetRef: { kind: 'Pod', name: 'web-1', namespace: 'other' },
        },
        { addresses: ['10.244.3.7'], conditions: { ready: false, serving: true, terminating: true } },
        { addresses: ['10.244.4.8'], targetRef: { kind: 'Node', name: 'node-x' } },
      ];
      r.ports = [
        { name: 'http', port: 8080, appProtocol: 'http' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ];
    });
    const result = convertEndpointSlice(raw);
    assert.deepEqual(result.problems, []);
    const expected: EndpointSlice = {
      kind: 'EndpointSlice',
      namespace: 'shop',
      name: 'web-abc12',
      key: 'shop/web-abc12',
      labels: { 'kubernetes.io/service-name': 'web' },
      annotations: {},
      serviceName: 'web',
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.244.1.5'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'node-a',
          zone: 'z1',
          podKey: 'shop/web-0',
        },
        {
          addresses: ['10.244.2.6'],
          conditions: { ready: false, serving: false, terminating: true },
          hostname: 'web-1',
          podKey: 'other/web-1',
        },
        { addresses: ['10.244.3.7'], conditions: { ready: false, serving: true, terminating: true } },
        { addresses: ['10.244.4.8'], conditions: { ready: true, serving: true, terminating: false } },
      ],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    };
    assert.deepEqual(result.object, expected);
  });

  it('converts an IPv6 slice, canonicalising addresses and rejecting IPv4 in it', () => {
    const raw = patched(rawSlice(), (r) => {
      r.addressType = 'IPv6';
      r.endpoints = [{ addresses: ['FD00:10:244:1:0:0:0:5', '10.244.1.5'] }];
    });
    const result = convertEndpointSlice(raw);
    assert.deepEqual((result.object as EndpointSlice).endpoints[0]?.addresses, ['fd00:10:244:1::5']);
    assert.deepEqual(
      result.problems.map((p) => [p.severity, p.field]),
      [['error', 'endpoints[0].addresses[1]']],
    );
    assert.match(result.problems[0]?.message ?? '', /10\.244\.1\.5 is IPv4 but the slice's addressType is IPv6/);
  });

  it('keeps an FQDN slice with its ports and no endpoints', () => {
    const raw = patched(rawSlice(), (r) => {
      r.addressType = 'FQDN';
      r.endpoints = [{ addresses: ['db.example.com'] }];
    });
    const result = convertEndpointSlice(raw);
    assert.deepEqual(result.problems, []);
    const slice = result.object as EndpointSlice;
    assert.equal(slice.addressType, 'FQDN');
    assert.deepEqual(slice.endpoints, []);
    assert.deepEqual(slice.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  });

  it('defaults a missing port name to "" and drops a port without number with a warning', () => {
    const raw = patched(rawSlice(), (r) => (r.ports = [{ port: 80 }, { name: 'all' }]));
    const result = convertEndpointSlice(raw);
    assert.deepEqual((result.object as EndpointSlice).ports, [{ name: '', port: 80, protocol: 'TCP' }]);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['warning', 'ports[1].port']]);
  });

  it('drops the later of two ports with one name', () => {
    const raw = patched(rawSlice(), (r) => (r.ports = [{ name: 'a', port: 80 }, { name: 'a', port: 81 }]));
    const result = convertEndpointSlice(raw);
    assert.deepEqual((result.object as EndpointSlice).ports, [{ name: 'a', port: 80, protocol: 'TCP' }]);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['error', 'ports[1].name']]);
  });
});
