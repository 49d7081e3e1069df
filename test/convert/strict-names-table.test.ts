import assert from 'node:assert/strict';
import { describe } from 'mocha';
import { patched, rawLoadBalancer, rawPod, rawPolicy, rawService, rawSlice, type Raw } from './fixtures.js';
import { runMalformedCases, type MalformedCase } from './malformed-cases.js';

// Names, keys and port names as the API server checks them. Each expected rule was checked by
// hand against Kubernetes' validation: object names (DNS-1123 subdomain; namespaces and
// services: DNS-1123 label), label keys (qualified names), label values, annotation keys
// (qualified names, lower-cased first) and size (256 KiB), service and EndpointSlice port
// names (DNS-1123 label), container and named ports (IANA service name).

const SERVICE_NAME_FIELD = 'metadata.labels["kubernetes.io/service-name"]';

/** A policy whose only ingress rule names a peer with `selector`. */
function policyWithPeerSelector(selector: Raw): Raw {
  return patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ podSelector: selector }]));
}

/** The policy is kept and its only ingress rule is gone. */
function onlyRuleDropped(policy: Raw): void {
  assert.deepEqual(policy.ingress, []);
  assert.deepEqual(policy.policyTypes, ['Ingress']);
}

const CASES: readonly MalformedCase[] = [
  // --- object names
  { title: 'a pod name holding NUL', raw: patched(rawPod(), (r) => (r.metadata.name = 'web\u0000x')), kind: 'Pod', field: 'metadata.name', severity: 'error', message: '"web\\u0000x" is not a DNS-1123 subdomain', survives: false },
  { title: 'a namespace holding a newline', raw: patched(rawPod(), (r) => (r.metadata.namespace = 'shop\nx')), kind: 'Pod', field: 'metadata.namespace', severity: 'error', message: '"shop\\nx" is not a DNS-1123 label', survives: false },
  { title: 'a service named with a dot', raw: patched(rawService(), (r) => (r.metadata.name = 'web.v2')), kind: 'Service', field: 'metadata.name', severity: 'error', message: 'not a DNS-1123 label', survives: false },
  { title: 'a service named in upper case', raw: patched(rawService(), (r) => (r.metadata.name = 'Web')), kind: 'Service', field: 'metadata.name', severity: 'error', message: 'not a DNS-1123 label', survives: false },
  { title: 'a pod nodeName holding NUL', raw: patched(rawPod(), (r) => (r.spec.nodeName = 'node-1\u0000evil')), kind: 'Pod', field: 'spec.nodeName', severity: 'error', message: 'not a DNS-1123 subdomain', survives: false },
  { title: 'a pod nodeName with a space', raw: patched(rawPod(), (r) => (r.spec.nodeName = 'node 1')), kind: 'Pod', field: 'spec.nodeName', severity: 'error', message: 'the pod is dropped', survives: false },
  // --- the service-name label of a slice
  { title: 'a service-name label holding NUL', raw: patched(rawSlice(), (r) => (r.metadata.labels['kubernetes.io/service-name'] = 'web\u0000x')), kind: 'EndpointSlice', field: SERVICE_NAME_FIELD, severity: 'error', message: 'not a valid label value', survives: false },
  // A valid label value, but no service can have this name.
  { title: 'a service-name label that is no service name', raw: patched(rawSlice(), (r) => (r.metadata.labels['kubernetes.io/service-name'] = 'Web_1')), kind: 'EndpointSlice', field: SERVICE_NAME_FIELD, severity: 'error', message: 'names no service', survives: false },
  // --- label keys and values
  { title: 'a label key holding NUL', raw: patched(rawPod(), (r) => (r.metadata.labels['app\u0000web'] = '')), kind: 'Pod', field: 'metadata.labels["app\\u0000web"]', severity: 'error', message: 'not a qualified name', survives: false },
  { title: 'a label key with two slashes', raw: patched(rawPod(), (r) => (r.metadata.labels['a/b/c'] = 'x')), kind: 'Pod', field: 'metadata.labels["a/b/c"]', severity: 'error', message: 'at most one "/"', survives: false },
  { title: 'a label key prefix in upper case', raw: patched(rawPod(), (r) => (r.metadata.labels['Example.com/app'] = 'x')), kind: 'Pod', field: 'metadata.labels["Example.com/app"]', severity: 'error', message: 'prefix', survives: false },
  { title: 'a label key name of 64 characters', raw: patched(rawPod(), (r) => (r.metadata.labels['a'.repeat(64)] = 'x')), kind: 'Pod', field: `metadata.labels.${'a'.repeat(64)}`, severity: 'error', message: '1 to 63', survives: false },
  { title: 'a label value of 64 characters', raw: patched(rawPod(), (r) => (r.metadata.labels.app = 'w'.repeat(64))), kind: 'Pod', field: 'metadata.labels.app', severity: 'error', message: 'not a valid label value', survives: false },
  { title: 'a label value with a space', raw: patched(rawPod(), (r) => (r.metadata.labels.app = 'web server')), kind: 'Pod', field: 'metadata.labels.app', severity: 'error', message: 'the object is dropped', survives: false },
  { title: 'a namespace label ending in a dash', raw: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a-' } } }, kind: 'Namespace', field: 'metadata.labels.team', severity: 'error', message: 'not a valid label value', survives: false },
  {
    title: 'a null label value', raw: patched(rawPod(), (r) => (r.metadata.labels.canary = null)),
    kind: 'Pod', field: 'metadata.labels.canary', severity: 'warning', message: 'read as ""', survives: true,
    then: (pod) => assert.deepEqual(pod.labels, { app: 'web', canary: '' }),
  },
  // --- annotations
  { title: 'an annotation key with a space', raw: patched(rawPod(), (r) => (r.metadata.annotations = { 'bad key': 'x' })), kind: 'Pod', field: 'metadata.annotations["bad key"]', severity: 'error', message: 'not a qualified name', survives: false },
  { title: 'annotations over 256 KiB', raw: patched(rawPod(), (r) => (r.metadata.annotations = { 'example.com/blob': 'x'.repeat(256 * 1024) })), kind: 'Pod', field: 'metadata.annotations', severity: 'error', message: 'more than Kubernetes\' limit of 262144', survives: false },
  // --- labels of a NetworkPolicy itself: dropped, the policy kept (dropping it would open its pods)
  {
    title: 'a policy labelled with a NUL key', raw: patched(rawPolicy(), (r) => (r.metadata.labels = { 'team\u0000x': 'a', team: 'b' })),
    kind: 'NetworkPolicy', field: 'metadata.labels["team\\u0000x"]', severity: 'error', message: 'the entry is dropped', survives: true,
    then: (policy) => { assert.deepEqual(policy.labels, { team: 'b' }); assert.equal(policy.ingress.length, 1); },
  },
  // --- selectors
  { title: 'a service selector key holding NUL', raw: patched(rawService(), (r) => (r.spec.selector = { 'app\u0000web': 'x' })), kind: 'Service', field: 'spec.selector["app\\u0000web"]', severity: 'error', message: 'the service is dropped', survives: false },
  { title: 'a service selector value with a space', raw: patched(rawService(), (r) => (r.spec.selector = { app: 'web server' })), kind: 'Service', field: 'spec.selector.app', severity: 'error', message: 'not a valid label value', survives: false },
  { title: 'a peer selector key holding NUL', raw: policyWithPeerSelector({ matchLabels: { 'role\u0000x': 'a' } }), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].podSelector.matchLabels["role\\u0000x"]', severity: 'error', message: 'the whole rule spec.ingress[0] is dropped', survives: true, then: onlyRuleDropped },
  { title: 'a peer expression value with a newline', raw: policyWithPeerSelector({ matchExpressions: [{ key: 'role', operator: 'In', values: ['a\nb'] }] }), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values[0]', severity: 'error', message: 'not a valid label value', survives: true, then: onlyRuleDropped },
  { title: 'a peer expression key that is not a qualified name', raw: policyWithPeerSelector({ matchExpressions: [{ key: 'a b', operator: 'Exists' }] }), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].key', severity: 'error', message: 'not a qualified name', survives: true, then: onlyRuleDropped },
  { title: 'a policy podSelector value with a space', raw: patched(rawPolicy(), (r) => (r.spec.podSelector = { matchLabels: { app: 'a b' } })), kind: 'NetworkPolicy', field: 'spec.podSelector.matchLabels.app', severity: 'error', message: 'it isolates no pod', survives: false },
  // --- port names: service and slice ports are DNS-1123 labels, container and named ports IANA names
  {
    title: 'a service port name forging a rule', raw: patched(rawService(), (r) => (r.spec.ports[0].name = 'http; $(touch /tmp/x)\nCOMMIT')),
    kind: 'Service', field: 'spec.ports[0].name', severity: 'error', message: '"http; $(touch /tmp/x)\\nCOMMIT" is not a DNS-1123 label', survives: true,
    then: (service) => assert.deepEqual(service.ports, []),
  },
  {
    title: 'a service port name in upper case', raw: patched(rawLoadBalancer(), (r) => (r.spec.ports[0].name = 'HTTPS')),
    kind: 'Service', field: 'spec.ports[0].name', severity: 'error', message: 'port dropped', survives: true,
    then: (service) => assert.deepEqual(service.ports, []),
  },
  {
    title: 'a service port appProtocol with spaces', raw: patched(rawService(), (r) => (r.spec.ports[0].appProtocol = 'h t t p')),
    kind: 'Service', field: 'spec.ports[0].appProtocol', severity: 'error', message: 'appProtocol dropped', survives: true,
    then: (service) => assert.deepEqual(service.ports, [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080 }]),
  },
  {
    title: 'a slice port name holding a newline', raw: patched(rawSlice(), (r) => (r.ports[0].name = 'http\nx')),
    kind: 'EndpointSlice', field: 'ports[0].name', severity: 'error', message: 'not a DNS-1123 label', survives: true,
    then: (slice) => assert.deepEqual(slice.ports, []),
  },
  {
    title: 'a container port name with a semicolon', raw: patched(rawPod(), (r) => (r.spec.containers[0].ports[0].name = 'http;x')),
    kind: 'Pod', field: 'spec.containers[0].ports[0].name', severity: 'error', message: 'not a valid port name', survives: true,
    then: (pod) => assert.deepEqual(pod.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]),
  },
  { title: 'a policy named port holding NUL', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].ports = [{ port: 'http\u0000' }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].ports[0].port', severity: 'error', message: 'neither a port number nor a valid port name', survives: true, then: onlyRuleDropped },
  // --- endpoints
  {
    title: 'an endpoint nodeName holding NUL', raw: patched(rawSlice(), (r) => r.endpoints.push({ addresses: ['10.244.1.6'], nodeName: 'node-a\u0000b' })),
    kind: 'EndpointSlice', field: 'endpoints[1].nodeName', severity: 'error', message: 'endpoint dropped', survives: true,
    then: (slice) => assert.deepEqual(slice.endpoints.map((e: Raw) => e.addresses), [['10.244.1.5']]),
  },
  {
    title: 'an endpoint hostname that is not a DNS label', raw: patched(rawSlice(), (r) => (r.endpoints[0].hostname = 'Web_1')),
    kind: 'EndpointSlice', field: 'endpoints[0].hostname', severity: 'error', message: 'hostname dropped', survives: true,
    then: (slice) => { assert.equal(slice.endpoints.length, 1); assert.equal(slice.endpoints[0].hostname, undefined); },
  },
  {
    title: 'a targetRef naming a pod with NUL', raw: patched(rawSlice(), (r) => (r.endpoints[0].targetRef = { kind: 'Pod', name: 'web\u0000x' })),
    kind: 'EndpointSlice', field: 'endpoints[0].targetRef', severity: 'error', message: 'targetRef ignored', survives: true,
    then: (slice) => assert.equal(slice.endpoints[0].podKey, undefined),
  },
];

describe('convert: names, keys and port names as the API server checks them', () => {
  runMalformedCases(CASES);
});
