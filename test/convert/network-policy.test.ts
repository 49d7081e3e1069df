import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertNetworkPolicy } from '../../src/core/convert/index.js';
import type { NetworkPolicy } from '../../src/core/model/index.js';
import { patched, rawPolicy } from './fixtures.js';

describe('convertNetworkPolicy', () => {
  it('converts a policy with every kind of peer and port', () => {
    const raw = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'mixed', namespace: 'shop' },
      spec: {
        podSelector: {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['front', 'edge'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { role: 'client' } } },
              { namespaceSelector: { matchLabels: { team: 'a' } } },
              {
                namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
                podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists', values: [] }] },
              },
              { ipBlock: { cidr: '172.16.0.0/12', except: ['172.16.1.0/24', '172.17.0.0/16'] } },
              { ipBlock: { cidr: '2001:DB8::/32', except: ['2001:db8:1::/48'] } },
            ],
            ports: [
              { port: 80 },
              { protocol: 'UDP', port: 'dns' },
              { protocol: 'TCP', port: 32000, endPort: 32768 },
              { protocol: 'SCTP' },
            ],
          },
          {},
        ],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
      },
    };
    const result = convertNetworkPolicy(raw);
    assert.deepEqual(result.problems, []);
    const expected: NetworkPolicy = {
      kind: 'NetworkPolicy',
      namespace: 'shop',
      name: 'mixed',
      key: 'shop/mixed',
      labels: {},
      annotations: {},
      podSelector: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['front', 'edge'] },
          { key: 'canary', operator: 'DoesNotExist', values: [] },
        ],
      },
      policyTypes: ['Ingress', 'Egress'],
      policyTypesExplicit: false,
      ingress: [
        {
          peers: [
            { podSelector: { matchLabels: { role: 'client' }, matchExpressions: [] } },
            { namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [] } },
            {
              podSelector: { matchLabels: {}, matchExpressions: [{ key: 'role', operator: 'Exists', values: [] }] },
              namespaceSelector: { matchLabels: {}, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
            },
            { ipBlock: { cidr: '172.16.0.0/12', except: ['172.16.1.0/24', '172.17.0.0/16'] } },
            { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } },
          ],
          ports: [
            { protocol: 'TCP', port: 80 },
            { protocol: 'UDP', port: 'dns' },
            { protocol: 'TCP', port: 32000, endPort: 32768 },
            { protocol: 'SCTP' },
          ],
        },
        { peers: [], ports: [] },
      ],
      egress: [{ peers: [{ ipBlock: { cidr: '0.0.0.0/0', except: [] } }], ports: [] }],
    };
    assert.deepEqual(result.object, expected);
  });

  it('infers Ingress only when there are no egress rules', () => {
    const policy = convertNetworkPolicy(rawPolicy()).object as NetworkPolicy;
    assert.deepEqual(policy.policyTypes, ['Ingress']);
    assert.equal(policy.policyTypesExplicit, false);
  });

  it('keeps explicit policy types, e.g. a deny-all-egress policy with no rules', () => {
    const raw = patched(rawPolicy(), (r) => { r.spec = { podSelector: {}, policyTypes: ['Egress'] }; });
    const result = convertNetworkPolicy(raw);
    assert.deepEqual(result.problems, []);
    const policy = result.object as NetworkPolicy;
    assert.deepEqual(policy.policyTypes, ['Egress']);
    assert.equal(policy.policyTypesExplicit, true);
    assert.deepEqual(policy.podSelector, { matchLabels: {}, matchExpressions: [] });
    assert.deepEqual(policy.ingress, []);
    assert.deepEqual(policy.egress, []);
  });

  it('reads an empty policyTypes list as absent', () => {
    const policy = convertNetworkPolicy(patched(rawPolicy(), (r) => (r.spec.policyTypes = []))).object as NetworkPolicy;
    assert.equal(policy.policyTypesExplicit, false);
    assert.deepEqual(policy.policyTypes, ['Ingress']);
  });

  it('reports every flaw, drops each flawed rule whole and keeps the policy isolating its pods', () => {
    const raw = patched(rawPolicy(), (r) => {
      r.spec.ingress[0].ports[0].port = 0;
      r.spec.ingress.push({ from: [{ namespaceSelector: {} }] });
      r.spec.egress = [{ to: [{}] }];
    });
    const result = convertNetworkPolicy(raw);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [
      ['error', 'spec.ingress[0].ports[0].port'],
      ['error', 'spec.egress[0].to[0]'],
    ]);
    const policy = result.object as NetworkPolicy;
    // The good second ingress rule stays; egress stays isolated (it was written) with no rule.
    assert.deepEqual(policy.ingress, [{ peers: [{ namespaceSelector: { matchLabels: {}, matchExpressions: [] } }], ports: [] }]);
    assert.deepEqual(policy.egress, []);
    assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
    assert.match(result.problems[0]?.message ?? '', /the whole rule spec\.ingress\[0\] is dropped/);
    assert.match(result.problems[1]?.message ?? '', /the whole rule spec\.egress\[0\] is dropped/);
  });
});
