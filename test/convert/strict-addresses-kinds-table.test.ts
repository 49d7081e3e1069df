import assert from 'node:assert/strict';
import { describe } from 'mocha';
import { patched, rawLoadBalancer, rawNode, rawPod, rawPolicy, rawService, rawSlice, type Raw } from './fixtures.js';
import { runMalformedCases, type MalformedCase } from './malformed-cases.js';

// Addresses, kinds and unknown fields. Expected values checked by hand: Kubernetes refuses
// as endpoint addresses and external IPs the unspecified address, loopback (127.0.0.0/8,
// ::1), link-local (169.254.0.0/16, fe80::/10) and link-local multicast; this project also
// refuses all multicast (224.0.0.0/4, ff00::/8) and applies the rule to pod and load balancer
// ingress IPs (see address-rules.ts).

/** A slice whose second endpoint has the one address `address`. */
function sliceWithEndpoint(address: string, addressType = 'IPv4'): Raw {
  return patched(rawSlice(), (r) => {
    r.addressType = addressType;
    r.endpoints = [{ addresses: [addressType === 'IPv4' ? '10.244.1.5' : 'fd00:10:244::5'] }, { addresses: [address] }];
  });
}

/** Only the first endpoint is left. */
function secondEndpointDropped(slice: Raw): void {
  assert.equal(slice.endpoints.length, 1);
}

const CASES: readonly MalformedCase[] = [
  // --- endpoint addresses
  { title: 'a loopback endpoint', raw: sliceWithEndpoint('127.0.0.1'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: '127.0.0.1 is loopback', survives: true, then: secondEndpointDropped },
  { title: 'the cloud metadata address as an endpoint', raw: sliceWithEndpoint('169.254.169.254'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'link-local', survives: true, then: secondEndpointDropped },
  { title: 'the unspecified address as an endpoint', raw: sliceWithEndpoint('0.0.0.0'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'unspecified', survives: true, then: secondEndpointDropped },
  { title: 'a multicast endpoint', raw: sliceWithEndpoint('239.1.2.3'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'multicast (224.0.0.0/4)', survives: true, then: secondEndpointDropped },
  { title: 'an IPv6 loopback endpoint', raw: sliceWithEndpoint('::1', 'IPv6'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'loopback (::1)', survives: true, then: secondEndpointDropped },
  { title: 'an IPv6 link-local endpoint', raw: sliceWithEndpoint('FE80::1', 'IPv6'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'fe80::1 is link-local', survives: true, then: secondEndpointDropped },
  { title: 'an IPv6 multicast endpoint', raw: sliceWithEndpoint('ff02::1', 'IPv6'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'multicast (ff00::/8)', survives: true, then: secondEndpointDropped },
  { title: 'the IPv6 unspecified address as an endpoint', raw: sliceWithEndpoint('::', 'IPv6'), kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'unspecified', survives: true, then: secondEndpointDropped },
  // --- service frontends
  {
    title: 'the cloud metadata address as an external IP', raw: patched(rawService(), (r) => (r.spec.externalIPs = ['198.51.100.1', '169.254.169.254'])),
    kind: 'Service', field: 'spec.externalIPs[1]', severity: 'error', message: 'link-local', survives: true,
    then: (service) => assert.deepEqual(service.externalIPs, ['198.51.100.1']),
  },
  {
    title: 'a loopback external IP', raw: patched(rawService(), (r) => (r.spec.externalIPs = ['127.0.0.1'])),
    kind: 'Service', field: 'spec.externalIPs[0]', severity: 'error', message: 'loopback', survives: true,
    then: (service) => assert.deepEqual(service.externalIPs, []),
  },
  {
    title: 'a loopback load balancer ingress IP', raw: patched(rawLoadBalancer(), (r) => r.status.loadBalancer.ingress.push({ ip: '127.0.0.1' })),
    kind: 'Service', field: 'status.loadBalancer.ingress[1].ip', severity: 'error', message: 'loopback', survives: true,
    then: (service) => assert.deepEqual(service.loadBalancerIngress, [{ ip: '203.0.113.7', ipMode: 'VIP' }]),
  },
  // --- pods and nodes
  {
    title: 'a loopback pod IP', raw: patched(rawPod(), (r) => { r.status.podIPs = [{ ip: '127.0.0.1' }]; r.status.podIP = '127.0.0.1'; }),
    kind: 'Pod', field: 'status.podIPs[0].ip', severity: 'error', message: 'cannot be a pod\'s address', survives: true,
    then: (pod) => assert.deepEqual(pod.podIPs, []),
  },
  {
    title: 'a pod CIDR of 0.0.0.0/0', raw: patched(rawNode(), (r) => { r.spec.podCIDR = '0.0.0.0/0'; r.spec.podCIDRs = ['0.0.0.0/0']; }),
    kind: 'Node', field: 'spec.podCIDR', severity: 'error', message: 'covers every IPv4 address', survives: true,
    then: (node) => { assert.deepEqual(node.podCIDRs, []); assert.equal(node.podCIDR, undefined); },
  },
  {
    title: 'a pod CIDR of ::/0', raw: patched(rawNode(), (r) => r.spec.podCIDRs.push('::/0')),
    kind: 'Node', field: 'spec.podCIDRs[1]', severity: 'error', message: 'covers every IPv6 address', survives: true,
    then: (node) => assert.deepEqual(node.podCIDRs, ['10.244.1.0/24']),
  },
  // --- kinds and apiVersions
  { title: 'a NetworkPolicy of networking.k8s.io/v2', raw: patched(rawPolicy(), (r) => (r.apiVersion = 'networking.k8s.io/v2')), kind: 'NetworkPolicy', field: 'apiVersion', severity: 'error', message: 'a version Kubernetes does not serve', survives: false },
  { title: 'a NetworkPolicy of the core group v1', raw: patched(rawPolicy(), (r) => (r.apiVersion = 'v1')), kind: 'NetworkPolicy', field: 'apiVersion', severity: 'error', message: 'a group where Kubernetes serves no NetworkPolicy', survives: false },
  { title: 'a Service of apps/v1', raw: patched(rawService(), (r) => (r.apiVersion = 'apps/v1')), kind: 'Service', field: 'apiVersion', severity: 'error', message: 'expected v1', survives: false },
  { title: 'a v1beta1 EndpointSlice, retired in 1.25', raw: patched(rawSlice(), (r) => (r.apiVersion = 'discovery.k8s.io/v1beta1')), kind: 'EndpointSlice', field: 'apiVersion', severity: 'error', message: 'stopped serving in 1.25', survives: false },
  { title: 'a malformed apiVersion', raw: patched(rawPolicy(), (r) => (r.apiVersion = 'networking.k8s.io/')), kind: 'NetworkPolicy', field: 'apiVersion', severity: 'error', message: 'malformed apiVersion', survives: false },
  { title: 'a numeric apiVersion', raw: patched(rawPod(), (r) => (r.apiVersion = 1)), kind: 'Pod', field: 'apiVersion', severity: 'error', message: 'malformed apiVersion', survives: false },
  { title: 'kind networkpolicy in lower case', raw: patched(rawPolicy(), (r) => (r.kind = 'networkpolicy')), kind: 'networkpolicy', field: 'kind', severity: 'error', message: 'did you mean NetworkPolicy?', survives: false },
  { title: 'kind pod without an apiVersion', raw: patched(rawPod(), (r) => { r.kind = 'pod'; delete r.apiVersion; }), kind: 'pod', field: 'kind', severity: 'error', message: 'case-sensitive', survives: false },
  // --- unknown fields: warnings, read as the API server reads them (without the field)
  {
    title: 'form for from in an ingress rule', raw: patched(rawPolicy(), (r) => { r.spec.ingress[0].form = r.spec.ingress[0].from; delete r.spec.ingress[0].from; }),
    kind: 'NetworkPolicy', field: 'spec.ingress[0].form', severity: 'warning', message: 'unknown field "form" (did you mean "from"?)', survives: true,
    then: (policy) => assert.deepEqual(policy.ingress[0].peers, []),
  },
  {
    title: 'matchLabel for matchLabels', raw: patched(rawPolicy(), (r) => (r.spec.podSelector = { matchLabel: { app: 'web' } })),
    kind: 'NetworkPolicy', field: 'spec.podSelector.matchLabel', severity: 'warning', message: 'did you mean "matchLabels"?', survives: true,
    then: (policy) => assert.deepEqual(policy.podSelector, { matchLabels: {}, matchExpressions: [] }),
  },
  {
    title: 'podselector in lower case', raw: patched(rawPolicy(), (r) => { r.spec.podselector = r.spec.podSelector; delete r.spec.podSelector; }),
    kind: 'NetworkPolicy', field: 'spec.podselector', severity: 'warning', message: 'did you mean "podSelector"?', survives: true,
  },
  { title: 'nodename in a pod spec', raw: patched(rawPod(), (r) => { r.spec.nodename = r.spec.nodeName; delete r.spec.nodeName; }), kind: 'Pod', field: 'spec.nodename', severity: 'warning', message: 'did you mean "nodeName"?', survives: true, then: (pod) => assert.equal(pod.nodeName, undefined) },
  { title: 'a typo in a container port', raw: patched(rawPod(), (r) => (r.spec.containers[0].ports[0].protocl = 'UDP')), kind: 'Pod', field: 'spec.containers[0].ports[0].protocl', severity: 'warning', message: 'did you mean "protocol"?', survives: true },
  { title: 'a typo in a service spec', raw: patched(rawLoadBalancer(), (r) => (r.spec.externalTrafficPolcy = 'Local')), kind: 'Service', field: 'spec.externalTrafficPolcy', severity: 'warning', message: 'did you mean "externalTrafficPolicy"?', survives: true, then: (service) => assert.equal(service.externalTrafficPolicy, 'Cluster') },
  { title: 'a typo in an endpoint', raw: patched(rawSlice(), (r) => (r.endpoints[0].nodeNmae = 'node-a')), kind: 'EndpointSlice', field: 'endpoints[0].nodeNmae', severity: 'warning', message: 'did you mean "nodeName"?', survives: true },
  { title: 'Addresses in a node status', raw: patched(rawNode(), (r) => { r.status.Addresses = r.status.addresses; delete r.status.addresses; }), kind: 'Node', field: 'status.Addresses', severity: 'warning', message: 'did you mean "addresses"?', survives: true, then: (node) => assert.deepEqual(node.internalIPs, []) },
  { title: 'lables in metadata', raw: patched(rawPod(), (r) => { r.metadata.lables = r.metadata.labels; delete r.metadata.labels; }), kind: 'Pod', field: 'metadata.lables', severity: 'warning', message: 'did you mean "labels"?', survives: true, then: (pod) => assert.deepEqual(pod.labels, {}) },
  { title: 'a made-up top-level field', raw: patched(rawService(), (r) => (r.extra = { x: 1 })), kind: 'Service', field: 'extra', severity: 'warning', message: 'unknown field "extra": ignored', survives: true },
];

describe('convert: addresses, kinds and unknown fields as the API server checks them', () => {
  runMalformedCases(CASES);
});
