import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  V1Container,
  V1ContainerPort,
  V1ObjectMeta,
  V1Pod,
  V1PodIP,
  V1PodSpec,
  V1PodStatus,
} from '@kubernetes/client-node';
// The generated serializer is what client-node's informers use to turn API JSON into classes.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { convertObject, objectIdentity } from '../../src/core/convert/index.js';
import { patched, rawNode, rawPod, rawPolicy, rawService, rawSlice } from './fixtures.js';

describe('convertObject', () => {
  it('dispatches every kind of the model', () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a' } } };
    for (const raw of [rawNode(), namespace, rawPod(), rawService(), rawSlice(), rawPolicy()]) {
      const result = convertObject(raw);
      assert.deepEqual(result.problems, [], raw.kind);
      assert.equal(result.object?.kind, raw.kind);
    }
  });

  it('ignores kinds outside the model, including legacy v1 Endpoints, without problems', () => {
    for (const kind of ['Deployment', 'ConfigMap', 'Endpoints', 'Ingress']) {
      const result = convertObject({ apiVersion: 'v1', kind, metadata: { name: 'x' } });
      assert.deepEqual(result, { problems: [], ignored: true }, kind);
    }
  });

  it('ignores a same-named kind of another API group', () => {
    const knative = patched(rawService(), (r) => (r.apiVersion = 'serving.knative.dev/v1'));
    assert.deepEqual(convertObject(knative), { problems: [], ignored: true });
  });

  it('ignores model kind names of groups Kubernetes does not own, in any letter case', () => {
    const calico = patched(rawPolicy(), (r) => (r.apiVersion = 'crd.projectcalico.org/v1'));
    const lowerCase = patched(rawPolicy(), (r) => { r.apiVersion = 'example.com/v1'; r.kind = 'networkpolicy'; });
    const sigsProject = patched(rawPolicy(), (r) => (r.apiVersion = 'policy.networking.x-k8s.io/v1alpha1'));
    for (const raw of [calico, lowerCase, sigsProject]) assert.deepEqual(convertObject(raw), { problems: [], ignored: true }, raw.apiVersion);
  });

  it('reports a model kind under any other version of a Kubernetes group, never skips it', () => {
    for (const apiVersion of ['networking.k8s.io/v2', 'networking.k8s.io/v1beta1', 'v1', 'extensions/v1beta1', 'policy.networking.k8s.io/v1alpha1']) {
      const result = convertObject(patched(rawPolicy(), (r) => (r.apiVersion = apiVersion)));
      assert.equal(result.ignored, undefined, apiVersion);
      assert.deepEqual(result.problems.map((p) => [p.kind, p.severity, p.field]), [['NetworkPolicy', 'error', 'apiVersion']], apiVersion);
    }
  });

  it('tolerates a missing apiVersion', () => {
    const result = convertObject(patched(rawSlice(), (r) => delete r.apiVersion));
    assert.equal(result.object?.kind, 'EndpointSlice');
  });

  it('copies the origin into every problem and names the object', () => {
    const raw = patched(rawPod(), (r) => { r.spec.hostNetwork = 1; r.status.phase = 'Odd'; });
    const result = convertObject(raw, 'pods.yaml:7');
    assert.equal(result.problems.length, 2);
    for (const problem of result.problems) {
      assert.equal(problem.origin, 'pods.yaml:7');
      assert.equal(problem.kind, 'Pod');
      assert.equal(problem.namespace, 'shop');
      assert.equal(problem.name, 'web-0');
    }
  });

  it('names the defaulted namespace in problems of an object that gives none', () => {
    const raw = patched(rawPod(), (r) => { delete r.metadata.namespace; r.status.phase = 'Odd'; });
    assert.equal(convertObject(raw).problems[0]?.namespace, 'default');
  });

  it('never throws, whatever it is given', () => {
    const oddities: unknown[] = [undefined, 0, [], [rawPod()], { kind: 'Pod', metadata: 'x' }, { kind: 'Service', metadata: { name: 'a' }, spec: [] },
      { kind: 'NetworkPolicy', metadata: { name: 'a' }, spec: { podSelector: 'all', ingress: 'x', egress: [null] } },
      { kind: 'EndpointSlice', metadata: { name: 'a', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4', endpoints: [null, { addresses: 'x' }], ports: {} },
      { kind: 'Node', metadata: { name: 'n' }, spec: { podCIDRs: 'x' }, status: { addresses: [null, { type: 'InternalIP' }] } }];
    for (const raw of oddities) {
      const result = convertObject(raw);
      assert.ok(Array.isArray(result.problems));
    }
  });
});

describe('objectIdentity', () => {
  it('reads kind, namespace and name', () => {
    assert.deepEqual(objectIdentity(rawPod()), { kind: 'Pod', namespace: 'shop', name: 'web-0' });
  });

  it('defaults the namespace of a namespaced kind and omits it for cluster-scoped ones', () => {
    assert.deepEqual(objectIdentity(patched(rawService(), (r) => delete r.metadata.namespace)), {
      kind: 'Service',
      namespace: 'default',
      name: 'web',
    });
    assert.deepEqual(objectIdentity(patched(rawNode(), (r) => (r.metadata.namespace = 'x'))), { kind: 'Node', name: 'node-a' });
  });

  it('passes unknown kinds through and leaves out a missing name', () => {
    assert.deepEqual(objectIdentity({ kind: 'ConfigMap', metadata: { namespace: 'a', name: 'b' } }), {
      kind: 'ConfigMap',
      namespace: 'a',
      name: 'b',
    });
    assert.deepEqual(objectIdentity({ kind: 'Pod', metadata: {} }), { kind: 'Pod', namespace: 'default' });
  });

  it('is undefined without an object or a kind', () => {
    assert.equal(objectIdentity('x'), undefined);
    assert.equal(objectIdentity({ metadata: { name: 'a' } }), undefined);
  });
});

describe('client-node objects', () => {
  it('converts a hand-built V1Pod (with Date fields) exactly like the plain object', () => {
    const pod = new V1Pod();
    pod.apiVersion = 'v1';
    pod.kind = 'Pod';
    pod.metadata = new V1ObjectMeta();
    pod.metadata.name = 'web-0';
    pod.metadata.namespace = 'shop';
    pod.metadata.labels = { app: 'web' };
    pod.metadata.creationTimestamp = new Date('2024-05-01T10:00:00Z');
    pod.spec = new V1PodSpec();
    pod.spec.nodeName = 'node-a';
    const container = new V1Container();
    container.name = 'app';
    const port = new V1ContainerPort();
    port.name = 'http';
    port.containerPort = 8080;
    container.ports = [port];
    pod.spec.containers = [container];
    pod.status = new V1PodStatus();
    pod.status.phase = 'Running';
    pod.status.podIP = '10.244.1.5';
    const podIP = new V1PodIP();
    podIP.ip = '10.244.1.5';
    pod.status.podIPs = [podIP];
    pod.status.startTime = new Date('2024-05-01T10:00:05Z');

    const fromClass = convertObject(pod);
    const fromPlain = convertObject(rawPod());
    assert.deepEqual(fromClass.problems, []);
    assert.deepEqual(fromClass, fromPlain);
  });

  it('converts what client-node deserializes from API JSON like the JSON itself', () => {
    const json = patched(rawPod(), (r) => {
      r.metadata.creationTimestamp = '2024-05-01T10:00:00Z';
      r.status.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:00:07Z' }];
    });
    const instance: unknown = ObjectSerializer.deserialize(structuredClone(json), 'V1Pod', '');
    assert.ok(instance instanceof V1Pod);
    assert.deepEqual(convertObject(instance), convertObject(json));
    assert.equal(convertObject(instance).object?.kind, 'Pod');
  });
});
