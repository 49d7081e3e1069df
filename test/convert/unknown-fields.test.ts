import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertObject } from '../../src/core/convert/index.js';
import { patched, rawLoadBalancer, rawNode, rawPod, rawPolicy, rawSlice } from './fixtures.js';

const warnings = (raw: unknown): string[][] =>
  convertObject(raw).problems.filter((problem) => problem.severity === 'warning').map((problem) => [problem.field, problem.message]);

describe('unknown fields', () => {
  it('accepts every field Kubernetes defines in the parts it checks', () => {
    const pod = patched(rawPod(), (r) => {
      Object.assign(r.metadata, { uid: 'u', resourceVersion: '1', generation: 2, creationTimestamp: '2024-05-01T10:00:00Z', ownerReferences: [], finalizers: [], managedFields: [], generateName: 'web-' });
      Object.assign(r.spec, { hostNetwork: false, tolerations: [], volumes: [], restartPolicy: 'Always', serviceAccountName: 'default' });
      Object.assign(r.spec.containers[0], { image: 'nginx', env: [], resources: {} });
      Object.assign(r.spec.containers[0].ports[0], { protocol: 'TCP', hostPort: 80, hostIP: '0.0.0.0' });
      Object.assign(r.status, { conditions: [], hostIP: '192.168.0.10', qosClass: 'BestEffort', startTime: '2024-05-01T10:00:05Z' });
    });
    const service = patched(rawLoadBalancer(), (r) => {
      Object.assign(r.spec, { allocateLoadBalancerNodePorts: true, trafficDistribution: 'PreferClose', loadBalancerIP: '', internalTrafficPolicy: 'Cluster' });
      r.status.conditions = [];
      r.status.loadBalancer.ingress[0].ports = [{ port: 443, protocol: 'TCP' }];
    });
    const slice = patched(rawSlice(), (r) => {
      Object.assign(r.endpoints[0], { hints: { forZones: [{ name: 'z1' }] }, zone: 'z1', nodeName: 'node-a', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'u', resourceVersion: '1', apiVersion: 'v1', fieldPath: '' } });
      r.endpoints[0].conditions = { ready: true, serving: true, terminating: false };
      r.ports[0].appProtocol = 'http';
    });
    const node = patched(rawNode(), (r) => {
      Object.assign(r.spec, { providerID: 'x', taints: [], unschedulable: false });
      Object.assign(r.status, { capacity: {}, allocatable: {}, conditions: [], nodeInfo: {}, images: [], daemonEndpoints: {} });
    });
    const policy = patched(rawPolicy(), (r) => {
      r.spec.policyTypes = ['Ingress', 'Egress'];
      r.spec.egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }], ports: [{ protocol: 'TCP', port: 1, endPort: 2 }] }];
    });
    for (const raw of [pod, service, slice, node, policy]) assert.deepEqual(convertObject(raw).problems, [], raw.kind);
  });

  it('names the path of an unknown field inside a list entry', () => {
    const raw = patched(rawPolicy(), (r) => r.spec.ingress.push({ from: [{ podSelector: {}, ipblock: {} }] }));
    assert.deepEqual(warnings(raw), [['spec.ingress[1].from[0].ipblock', 'unknown field "ipblock" (did you mean "ipBlock"?): ignored, so the object is read without it']]);
  });

  it('suggests the one close field, and nothing when none or several are close', () => {
    const raw = patched(rawPolicy(), (r) => {
      r.spec.ingress[0].ports[0].prt = 80;
      r.spec.color = 'blue';
      // One edit from egress, two from ingress: no guess.
      r.spec.gress = [];
    });
    assert.deepEqual(warnings(raw).map(([field, message]) => [field, message?.split(':')[0]]), [
      ['spec.ingress[0].ports[0].prt', 'unknown field "prt" (did you mean "port"?)'],
      ['spec.color', 'unknown field "color"'],
      ['spec.gress', 'unknown field "gress"'],
    ]);
  });

  it('in a pod spec, reports only near misses of the fields it reads, not the many it does not', () => {
    const raw = patched(rawPod(), (r) => {
      r.spec.HostNetwork = true;
      r.spec.someFutureField = {};
    });
    assert.deepEqual(warnings(raw).map(([field]) => field), ['spec.HostNetwork']);
  });

  it('escapes an unknown key in the message', () => {
    const raw = patched(rawPod(), (r) => (r.spec.containers[0].ports[0]['x\u001b[2J'] = 1));
    const [warning] = warnings(raw);
    assert.equal(warning?.[1]?.startsWith('unknown field "x\\u001b[2J"'), true, warning?.[1]);
  });

  it('still reports unknown fields of an object dropped for another reason', () => {
    const raw = patched(rawPod(), (r) => {
      r.metadata.name = 'Bad_Name';
      r.metadata.lables = {};
    });
    const result = convertObject(raw);
    assert.equal(result.object, undefined);
    assert.deepEqual(result.problems.map((p) => [p.severity, p.field]), [['warning', 'metadata.lables'], ['error', 'metadata.name']]);
  });
});
