import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertNode } from '../../src/core/convert/index.js';
import type { Node } from '../../src/core/model/index.js';
import { patched, rawNode } from './fixtures.js';

describe('convertNode', () => {
  it('converts a dual-stack node', () => {
    const raw = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a', namespace: 'ignored', labels: { 'kubernetes.io/hostname': 'node-a' } },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'], unschedulable: true },
      status: {
        addresses: [
          { type: 'InternalIP', address: '192.168.0.10' },
          { type: 'InternalIP', address: 'fd00:0:0:0::10' },
          { type: 'ExternalIP', address: '203.0.113.10' },
          { type: 'Hostname', address: 'node-a' },
          { type: 'InternalDNS', address: 'node-a.cluster.internal' },
          { type: 'InternalIP', address: '192.168.0.10' },
        ],
      },
    };
    const result = convertNode(raw);
    assert.deepEqual(result.problems, []);
    const expected: Node = {
      kind: 'Node',
      name: 'node-a',
      key: 'node-a',
      labels: { 'kubernetes.io/hostname': 'node-a' },
      annotations: {},
      internalIPs: ['192.168.0.10', 'fd00::10'],
      externalIPs: ['203.0.113.10'],
      hostname: 'node-a',
      podCIDR: '10.244.1.0/24',
      podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
      unschedulable: true,
    };
    assert.deepEqual(result.object, expected);
  });

  it('puts podCIDR first when podCIDRs lacks it', () => {
    const result = convertNode(patched(rawNode(), (r) => { r.spec.podCIDR = 'fd00:10:244:1::/64'; r.spec.podCIDRs = ['10.244.1.0/24']; }));
    assert.deepEqual(result.problems, []);
    const node = result.object as Node;
    assert.deepEqual(node.podCIDRs, ['fd00:10:244:1::/64', '10.244.1.0/24']);
    assert.equal(node.podCIDR, 'fd00:10:244:1::/64');
  });

  it('takes podCIDRs alone, and an IPv6-only node', () => {
    const result = convertNode(
      patched(rawNode(), (r) => {
        delete r.spec.podCIDR;
        r.spec.podCIDRs = ['2001:db8:1::/64'];
        r.status.addresses = [{ type: 'InternalIP', address: '2001:db8::a' }];
      }),
    );
    assert.deepEqual(result.problems, []);
    const node = result.object as Node;
    assert.equal(node.podCIDR, '2001:db8:1::/64');
    assert.deepEqual(node.internalIPs, ['2001:db8::a']);
  });

  it('warns about a second pod CIDR of one family and keeps the first', () => {
    const result = convertNode(patched(rawNode(), (r) => r.spec.podCIDRs.push('10.245.0.0/16')));
    assert.deepEqual((result.object as Node).podCIDRs, ['10.244.1.0/24']);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['warning', 'spec.podCIDRs[1]']]);
  });

  it('reports a bad CIDR given in both podCIDR and podCIDRs once', () => {
    const result = convertNode(patched(rawNode(), (r) => { r.spec.podCIDR = 'x'; r.spec.podCIDRs = ['x']; }));
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.field, 'spec.podCIDR');
  });
});
