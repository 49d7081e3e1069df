import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { formatProblem } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';

/** A raw v1 Node with any InternalIPs and pod CIDRs. */
function rawNode(name: string, internalIPs: string[], podCIDRs: string[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDRs },
    status: { addresses: internalIPs.map((address) => ({ type: 'InternalIP', address })) },
  };
}

function problemLines(nodes: Record<string, unknown>[]): string[] {
  const store = new ClusterStore();
  nodes.forEach((node, index) => store.upsert(node, `nodes.yaml:${index * 10 + 1}`));
  return store.snapshot().problems().map(formatProblem);
}

describe('node CIDR problems', () => {
  it('reports nothing for distinct pod CIDRs and addresses', () => {
    assert.deepEqual(
      problemLines([
        rawNode('a', ['10.0.0.1', 'fd00::1'], ['10.244.0.0/24', 'fd10::/64']),
        rawNode('b', ['10.0.0.2'], ['10.244.1.0/24']),
      ]),
      [],
    );
  });

  it('warns about a node without a pod CIDR', () => {
    assert.deepEqual(problemLines([rawNode('a', ['10.0.0.1'], [])]), [
      'warning Node a spec.podCIDRs: no pod CIDR: no node routes to its pods (nodes.yaml:1)',
    ]);
  });

  it('warns about a pod CIDR of a family the node has no InternalIP of', () => {
    assert.deepEqual(problemLines([rawNode('a', ['10.0.0.1'], ['10.244.0.0/24', 'fd10::/64'])]), [
      'warning Node a spec.podCIDRs: pod CIDR fd10::/64 is IPv6 but the node has no IPv6 InternalIP: no node routes to it (nodes.yaml:1)',
    ]);
  });

  it('reports a duplicated pod CIDR on each node claiming it, and not on the others', () => {
    assert.deepEqual(
      problemLines([
        rawNode('x', ['10.0.0.1'], ['10.1.5.0/24']),
        rawNode('y', ['10.0.0.2'], ['10.1.5.0/24']),
        rawNode('z', ['10.0.0.3'], ['10.1.6.0/24']),
      ]),
      [
        'error Node x spec.podCIDRs: pod CIDR 10.1.5.0/24 is also the pod CIDR of node y: no node routes to it (nodes.yaml:1)',
        'error Node y spec.podCIDRs: pod CIDR 10.1.5.0/24 is also the pod CIDR of node x: no node routes to it (nodes.yaml:11)',
      ],
    );
  });

  it('reports overlapping pod CIDRs on both nodes, IPv4 and IPv6', () => {
    assert.deepEqual(
      problemLines([
        // fd10::/48 holds fd10:0:0:x::, so fd10:0:0:1::/64 but not fd10:0:1::/64.
        rawNode('p', ['10.0.0.1', 'fd00::1'], ['10.1.0.0/16', 'fd10::/48']),
        rawNode('q', ['10.0.0.2', 'fd00::2'], ['10.1.1.0/24', 'fd10:0:0:1::/64']),
        rawNode('r', ['10.0.0.3', 'fd00::3'], ['10.2.0.0/24', 'fd10:0:1::/64']),
      ]),
      [
        "error Node p spec.podCIDRs: pod CIDR 10.1.0.0/16 overlaps node q's 10.1.1.0/24: no node routes to either (nodes.yaml:1)",
        "error Node p spec.podCIDRs: pod CIDR fd10::/48 overlaps node q's fd10:0:0:1::/64: no node routes to either (nodes.yaml:1)",
        "error Node q spec.podCIDRs: pod CIDR 10.1.1.0/24 overlaps node p's 10.1.0.0/16: no node routes to either (nodes.yaml:11)",
        "error Node q spec.podCIDRs: pod CIDR fd10:0:0:1::/64 overlaps node p's fd10::/48: no node routes to either (nodes.yaml:11)",
      ],
    );
  });

  it('names three conflicting nodes and counts the rest', () => {
    const nodes = [rawNode('wide', ['10.0.0.1'], ['10.1.0.0/16'])];
    for (let index = 1; index <= 5; index++) nodes.push(rawNode(`n${index}`, [`10.0.0.${index + 1}`], [`10.1.${index}.0/24`]));
    const lines = problemLines(nodes);
    assert.equal(lines.length, 6);
    assert.ok(lines.includes(
      "error Node wide spec.podCIDRs: pod CIDR 10.1.0.0/16 overlaps node n1's 10.1.1.0/24, node n2's 10.1.2.0/24, node n3's 10.1.3.0/24 and 2 more: no node routes to either (nodes.yaml:1)",
    ), lines.join('\n'));
  });

  it('sees a default route pod CIDR, which conversion drops, as no pod CIDR, overlapping nothing', () => {
    const lines = problemLines([rawNode('g', ['10.0.0.7'], ['0.0.0.0/0']), rawNode('b', ['10.0.0.2'], ['10.244.1.0/24'])]);
    assert.ok(lines.includes('warning Node g spec.podCIDRs: no pod CIDR: no node routes to its pods (nodes.yaml:1)'), lines.join('\n'));
    assert.deepEqual(lines.filter((line) => line.includes('overlaps') || line.includes('Node b')), []);
  });

  it('reports an InternalIP two nodes share, on both', () => {
    assert.deepEqual(
      problemLines([rawNode('h1', ['10.0.0.50'], ['10.244.5.0/24']), rawNode('h2', ['10.0.0.50'], ['10.244.6.0/24'])]),
      [
        'error Node h1 status.addresses: InternalIP 10.0.0.50 is also the InternalIP of node h2: no node routes to either over IPv4 (nodes.yaml:1)',
        'error Node h2 status.addresses: InternalIP 10.0.0.50 is also the InternalIP of node h1: no node routes to either over IPv4 (nodes.yaml:11)',
      ],
    );
  });

  it('ignores a shared second InternalIP of a family: routes use the first', () => {
    assert.deepEqual(
      problemLines([rawNode('a', ['10.0.0.1', '10.9.9.9'], ['10.244.0.0/24']), rawNode('b', ['10.0.0.2', '10.9.9.9'], ['10.244.1.0/24'])]),
      [],
    );
  });

  it('clears the problems once the conflict is gone', () => {
    const store = new ClusterStore();
    store.upsert(rawNode('x', ['10.0.0.1'], ['10.1.5.0/24']));
    store.upsert(rawNode('y', ['10.0.0.2'], ['10.1.5.0/24']));
    assert.equal(store.snapshot().problems().length, 2);
    store.upsert(rawNode('y', ['10.0.0.2'], ['10.1.6.0/24']));
    assert.deepEqual(store.snapshot().problems(), []);
  });
});
