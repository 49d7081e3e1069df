import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { LabConfigError } from '../../src/lab/errors.js';
import { planChange } from '../../src/lab/lab-apply.js';
import { planTopology } from '../../src/lab/topology.js';
import { fakeSnapshot, makeNode, makePod } from './fake-snapshot.js';

const A = makeNode('a', ['192.168.30.11'], ['10.30.1.0/24']);
const B = makeNode('b', ['192.168.30.12'], ['10.30.2.0/24']);
const C = makeNode('c', ['192.168.40.13'], ['10.30.3.0/24']);
const POD_A = makePod('default/pa', 'a', ['10.30.1.2']);
const POD_B = makePod('default/pb', 'b', ['10.30.2.2']);
const POD_C = makePod('default/pc', 'c', ['10.30.3.2']);
const running = planTopology(fakeSnapshot([A, B, C], [POD_A, POD_B, POD_C]), 'abc123');

describe('planChange (lab apply, without root)', () => {
  it('adds a node on an existing subnet with the next index, the router as gateway, and its pod after every index used', () => {
    const D = makeNode('d', ['192.168.30.14'], ['10.30.4.0/24']);
    const change = planChange(running, fakeSnapshot([A, B, C, D], [POD_A, POD_B, POD_C, makePod('default/pd', 'd', ['10.30.4.2'])]));
    assert.deepEqual(change.addedNodes.map((node) => [node.name, node.index, node.netns, node.uplinkInterface, node.underlay]),
      [['d', 3, 'krlab-abc123-n3-d', 'n3', 0]]);
    // The router's leg on 192.168.30.0/24 is .254 (the last address before the broadcast).
    assert.deepEqual(change.addedNodes[0]?.gateways, ['192.168.30.254']);
    assert.deepEqual(change.addedNodes[0]?.underlayAddresses, ['192.168.30.14/24']);
    assert.deepEqual(change.addedPods.map((pod) => [pod.key, pod.index, pod.hostInterface]), [['default/pd', 3, 'veth3']]);
    assert.deepEqual(change.removedNodes, []);
    assert.deepEqual(change.removedPods, []);
    // Kept plans are the running ones, untouched.
    assert.equal(change.nodes[0], running.nodes[0]);
    assert.equal(change.pods[0], running.pods[0]);
  });

  it('removes a node with its pods, and numbers a node coming back after every index in use', () => {
    const removed = planChange(running, fakeSnapshot([A, C], [POD_A, POD_C]));
    assert.deepEqual(removed.removedNodes.map((node) => node.name), ['b']);
    assert.deepEqual(removed.removedPods.map((pod) => pod.key), ['default/pb']);
    const after = { ...running, nodes: removed.nodes, pods: removed.pods };
    const again = planChange(after, fakeSnapshot([A, C, B], [POD_A, POD_C, POD_B]));
    // a is 0 and c is 2: b comes back as 3, not in its old slot 1.
    assert.deepEqual(again.addedNodes.map((node) => node.index), [3]);
  });

  it('rebuilds a pod whose IP changed', () => {
    const change = planChange(running, fakeSnapshot([A, B, C], [POD_A, makePod('default/pb', 'b', ['10.30.2.9']), POD_C]));
    assert.deepEqual(change.removedPods.map((pod) => pod.key), ['default/pb']);
    assert.deepEqual(change.addedPods.map((pod) => [pod.key, pod.ips]), [['default/pb', ['10.30.2.9']]]);
  });

  it('refuses a changed node address and a node on a new subnet, saying they are not implemented yet', () => {
    assert.throws(() => planChange(running, fakeSnapshot([makeNode('a', ['192.168.30.21'], ['10.30.1.0/24']), B, C], [])),
      (error: unknown) => error instanceof LabConfigError && /node a: .*not implemented yet/.test(error.message));
    assert.throws(() => planChange(running, fakeSnapshot([A, B, C, makeNode('e', ['192.168.50.15'], ['10.30.5.0/24'])], [])),
      (error: unknown) => error instanceof LabConfigError && /node e: 192\.168\.50\.15 .*not implemented yet/.test(error.message));
  });
});
