import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'mocha';
import { convertPod } from '../../src/core/convert/index.js';
import type { Pod } from '../../src/core/model/index.js';

/** Every object and array reachable from `value`, with the path it was reached by. */
function reachable(value: unknown, path = 'pod', found: [string, object][] = []): [string, object][] {
  if (typeof value !== 'object' || value === null) return found;
  found.push([path, value]);
  for (const [key, entry] of Object.entries(value)) reachable(entry, `${path}.${key}`, found);
  return found;
}

function rawPod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', resourceVersion: '5', labels: { app: 'web' }, annotations: {} },
    spec: {
      nodeName: 'node-a',
      containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090 }] }],
    },
    status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
  };
}

// The pod converter freezes the objects it built where they are rather than copying them:
// what it hands out must still be all frozen, share nothing with the raw input, leave the
// input as it was, and hold no key whose value is undefined.
describe('convertPod: the converted pod is frozen without touching the raw input', () => {
  it('freezes every object and array of the pod, and none of the raw object', () => {
    const raw = rawPod();
    const pod = convertPod(raw).object as Pod;
    for (const [path, object] of reachable(pod)) assert.ok(Object.isFrozen(object), `${path} is not frozen`);
    for (const [path, object] of reachable(raw, 'raw')) assert.ok(!Object.isFrozen(object), `${path} was frozen`);
    const rawObjects = new Set(reachable(raw, 'raw').map(([, object]) => object));
    for (const [path, object] of reachable(pod)) assert.ok(!rawObjects.has(object), `${path} is an object of the raw input`);
  });

  it('leaves the raw input unchanged, and converts it again to an equal pod', () => {
    const raw = rawPod();
    const first = convertPod(raw).object;
    assert.deepEqual(raw, rawPod());
    assert.ok(isDeepStrictEqual(convertPod(raw).object, first));
  });

  it('leaves out the keys of absent fields (uid, resourceVersion, nodeName), as a pod that has them keeps them', () => {
    const raw = rawPod() as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    delete raw.metadata['uid'];
    delete raw.metadata['resourceVersion'];
    delete raw.spec['nodeName'];
    const pod = convertPod(raw).object as Pod;
    for (const [path, object] of reachable(pod)) {
      for (const [key, entry] of Object.entries(object)) assert.notEqual(entry, undefined, `${path}.${key} holds undefined`);
    }
    assert.deepEqual(Object.keys(pod), ['kind', 'name', 'labels', 'annotations', 'namespace', 'key', 'hostNetwork', 'phase', 'podIPs', 'containers']);
    assert.ok(Object.isFrozen(pod));
    assert.deepEqual(
      Object.keys(convertPod(rawPod()).object!),
      ['kind', 'name', 'uid', 'resourceVersion', 'labels', 'annotations', 'namespace', 'key', 'nodeName', 'hostNetwork', 'phase', 'podIPs', 'containers'],
    );
  });

  it('gives empty maps and lists as frozen empty values, and keeps port fields in their order', () => {
    const raw = rawPod() as { metadata: Record<string, unknown>; status: Record<string, unknown> };
    raw.metadata['labels'] = {};
    raw.status = { phase: 'Pending' };
    const pod = convertPod(raw).object as Pod;
    assert.deepEqual(pod.labels, {});
    assert.deepEqual(pod.annotations, {});
    assert.deepEqual(pod.podIPs, []);
    assert.ok(Object.isFrozen(pod.labels) && Object.isFrozen(pod.annotations) && Object.isFrozen(pod.podIPs));
    assert.deepEqual(pod.containers[0]!.ports.map((port) => Object.keys(port)), [['name', 'containerPort', 'protocol'], ['containerPort', 'protocol']]);
  });
});
