import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { patched, rawLoadBalancer, rawNode, rawPod, rawPolicy, rawService, rawSlice, type Raw } from './fixtures.js';
import { runMalformedCases, type MalformedCase } from './malformed-cases.js';

/** The policy's only ingress rule was dropped; the policy (and so its isolation) stays. */
function onlyRuleDropped(policy: Raw): void {
  assert.deepEqual(policy.ingress, []);
  assert.deepEqual(policy.policyTypes, ['Ingress']);
}

const CASES: readonly MalformedCase[] = [
  // --- any kind
  { title: 'a string instead of an object', raw: 'hello', kind: '?', field: '', severity: 'error', message: 'expected a Kubernetes object', survives: false },
  { title: 'null', raw: null, kind: '?', field: '', severity: 'error', message: 'expected a Kubernetes object', survives: false },
  { title: 'no kind', raw: patched(rawPod(), (r) => delete r.kind), kind: '?', field: 'kind', severity: 'error', message: 'kind is missing', survives: false },
  { title: 'a numeric kind', raw: patched(rawPod(), (r) => (r.kind = 7)), kind: '?', field: 'kind', severity: 'error', message: 'kind must be a string', survives: false },
  { title: 'an unexpanded List', raw: { apiVersion: 'v1', kind: 'List', items: [rawPod()] }, kind: 'List', field: 'items', severity: 'error', message: 'expanded', survives: false },
  { title: 'a legacy NetworkPolicy apiVersion', raw: patched(rawPolicy(), (r) => (r.apiVersion = 'extensions/v1beta1')), kind: 'NetworkPolicy', field: 'apiVersion', severity: 'error', message: 'unsupported apiVersion', survives: false },
  { title: 'a v1beta1 EndpointSlice', raw: patched(rawSlice(), (r) => (r.apiVersion = 'discovery.k8s.io/v1beta1')), kind: 'EndpointSlice', field: 'apiVersion', severity: 'error', message: 'unsupported apiVersion', survives: false },
  // --- metadata
  { title: 'a pod without a name', raw: patched(rawPod(), (r) => delete r.metadata.name), kind: 'Pod', field: 'metadata.name', severity: 'error', message: 'missing', survives: false },
  { title: 'a pod without metadata', raw: patched(rawPod(), (r) => delete r.metadata), kind: 'Pod', field: 'metadata', severity: 'error', message: 'metadata is missing', survives: false },
  { title: 'a name with a slash', raw: patched(rawPod(), (r) => (r.metadata.name = 'a/b')), kind: 'Pod', field: 'metadata.name', severity: 'error', message: 'DNS-1123 subdomain', survives: false },
  { title: 'an invalid namespace', raw: patched(rawPod(), (r) => (r.metadata.namespace = 'Bad_NS')), kind: 'Pod', field: 'metadata.namespace', severity: 'error', message: 'DNS-1123 label', survives: false },
  // The API server cannot decode a number or a boolean into a label or annotation: it
  // refuses the object, and a pod kept without the label could match other selectors.
  { title: 'a numeric label value', raw: patched(rawPod(), (r) => (r.metadata.labels.replicas = 3)), kind: 'Pod', field: 'metadata.labels.replicas', severity: 'error', message: 'must be a string', survives: false },
  { title: 'a boolean annotation with a prefixed key', raw: patched(rawPod(), (r) => (r.metadata.annotations = { 'example.com/flag': true, note: 'x' })), kind: 'Pod', field: 'metadata.annotations["example.com/flag"]', severity: 'error', message: 'must be a string', survives: false },
  { title: 'a Namespace named with upper case', raw: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } }, kind: 'Namespace', field: 'metadata.name', severity: 'error', message: 'DNS-1123 label', survives: false },
  // --- Pod
  {
    title: 'a pod IP that is not an IP', raw: patched(rawPod(), (r) => { r.status.podIPs = [{ ip: 'not-an-ip' }, { ip: 'fd00:10::5' }]; delete r.status.podIP; }),
    kind: 'Pod', field: 'status.podIPs[0].ip', severity: 'error', message: 'not a valid IP', survives: true,
    then: (pod) => assert.deepEqual(pod.podIPs, ['fd00:10::5']),
  },
  {
    title: 'two IPv4 pod IPs', raw: patched(rawPod(), (r) => (r.status.podIPs = [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }])),
    kind: 'Pod', field: 'status.podIPs[1].ip', severity: 'warning', message: 'already has an IPv4', survives: true,
    then: (pod) => assert.deepEqual(pod.podIPs, ['10.244.1.5']),
  },
  {
    title: 'an IPv4-mapped IPv6 pod IP', raw: patched(rawPod(), (r) => { r.status.podIPs = [{ ip: '::ffff:10.244.1.5' }]; delete r.status.podIP; }),
    kind: 'Pod', field: 'status.podIPs[0].ip', severity: 'error', message: 'IPv4-mapped', survives: true,
    then: (pod) => assert.deepEqual(pod.podIPs, []),
  },
  {
    title: 'a pod IP with a leading zero', raw: patched(rawPod(), (r) => { delete r.status.podIPs; r.status.podIP = '010.244.1.5'; }),
    kind: 'Pod', field: 'status.podIP', severity: 'error', message: 'not a valid IP', survives: true,
    then: (pod) => assert.deepEqual(pod.podIPs, []),
  },
  {
    title: 'a containerPort above 65535', raw: patched(rawPod(), (r) => r.spec.containers[0].ports.push({ containerPort: 70000 })),
    kind: 'Pod', field: 'spec.containers[0].ports[1].containerPort', severity: 'error', message: '1..65535', survives: true,
    then: (pod) => assert.deepEqual(pod.containers[0].ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  },
  {
    title: 'a container port with protocol HTTP', raw: patched(rawPod(), (r) => (r.spec.containers[0].ports[0].protocol = 'HTTP')),
    kind: 'Pod', field: 'spec.containers[0].ports[0].protocol', severity: 'error', message: 'unknown protocol', survives: true,
    then: (pod) => assert.deepEqual(pod.containers[0].ports, []),
  },
  {
    title: 'an unknown pod phase', raw: patched(rawPod(), (r) => (r.status.phase = 'Exploded')),
    kind: 'Pod', field: 'status.phase', severity: 'warning', message: 'unknown phase', survives: true,
    then: (pod) => assert.equal(pod.phase, 'Unknown'),
  },
  {
    title: 'hostNetwork as a string', raw: patched(rawPod(), (r) => (r.spec.hostNetwork = 'yes')),
    kind: 'Pod', field: 'spec.hostNetwork', severity: 'warning', message: 'expected a boolean', survives: true,
    then: (pod) => assert.equal(pod.hostNetwork, false),
  },
  // --- Node
  {
    title: 'an InternalIP out of range', raw: patched(rawNode(), (r) => r.status.addresses.unshift({ type: 'InternalIP', address: '300.1.1.1' })),
    kind: 'Node', field: 'status.addresses[0].address', severity: 'error', message: 'InternalIP dropped', survives: true,
    then: (node) => assert.deepEqual(node.internalIPs, ['192.168.0.10']),
  },
  {
    title: 'a pod CIDR with host bits', raw: patched(rawNode(), (r) => { r.spec.podCIDR = '10.244.1.5/24'; r.spec.podCIDRs = ['10.244.1.5/24']; }),
    kind: 'Node', field: 'spec.podCIDR', severity: 'error', message: 'host bits', survives: true,
    then: (node) => { assert.deepEqual(node.podCIDRs, []); assert.equal(node.podCIDR, undefined); },
  },
  {
    title: 'an IPv6 pod CIDR with prefix 129', raw: patched(rawNode(), (r) => r.spec.podCIDRs.push('fd00:10:244::/129')),
    kind: 'Node', field: 'spec.podCIDRs[1]', severity: 'error', message: 'prefix length', survives: true,
    then: (node) => assert.deepEqual(node.podCIDRs, ['10.244.1.0/24']),
  },
  { title: 'a node without a name', raw: patched(rawNode(), (r) => (r.metadata = {})), kind: 'Node', field: 'metadata.name', severity: 'error', message: 'missing', survives: false },
  // --- Service
  { title: 'an unknown service type', raw: patched(rawService(), (r) => (r.spec.type = 'Weird')), kind: 'Service', field: 'spec.type', severity: 'error', message: 'unknown service type', survives: false },
  { title: 'a cluster IP out of range', raw: patched(rawService(), (r) => (r.spec.clusterIP = '10.96.0.300')), kind: 'Service', field: 'spec.clusterIP', severity: 'error', message: 'invalid cluster IP', survives: false },
  { title: 'an IPv6 family for an IPv4 cluster IP', raw: patched(rawService(), (r) => (r.spec.ipFamilies = ['IPv6'])), kind: 'Service', field: 'spec.ipFamilies[0]', severity: 'error', message: 'contradicts', survives: false },
  { title: 'clusterIP disagreeing with clusterIPs', raw: patched(rawService(), (r) => (r.spec.clusterIPs = ['10.96.0.11'])), kind: 'Service', field: 'spec.clusterIP', severity: 'error', message: 'differs from clusterIPs[0]', survives: false },
  { title: 'two IPv4 cluster IPs', raw: patched(rawService(), (r) => (r.spec.clusterIPs = ['10.96.0.10', '10.96.0.11'])), kind: 'Service', field: 'spec.clusterIPs[1]', severity: 'error', message: 'two IPv4 cluster IPs', survives: false },
  { title: 'a headless NodePort service', raw: patched(rawService(), (r) => { r.spec.type = 'NodePort'; r.spec.clusterIP = 'None'; }), kind: 'Service', field: 'spec.clusterIP', severity: 'error', message: 'cannot be headless', survives: false },
  {
    title: 'a service port 0', raw: patched(rawService(), (r) => (r.spec.ports[0].port = 0)),
    kind: 'Service', field: 'spec.ports[0].port', severity: 'error', message: '1..65535', survives: true,
    then: (service) => assert.deepEqual(service.ports, []),
  },
  { title: 'a service port with protocol ICMP', raw: patched(rawService(), (r) => (r.spec.ports[0].protocol = 'ICMP')), kind: 'Service', field: 'spec.ports[0].protocol', severity: 'error', message: 'unknown protocol', survives: true },
  {
    title: 'a duplicate port and protocol',
    raw: patched(rawService(), (r) => (r.spec.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 80, protocol: 'TCP' }, { name: 'c', port: 80, protocol: 'UDP' }])),
    kind: 'Service', field: 'spec.ports[1].port', severity: 'error', message: 'duplicate port 80/TCP', survives: true,
    then: (service) => assert.deepEqual(service.ports.map((p: Raw) => p.name), ['a', 'c']),
  },
  {
    title: 'an unnamed port among several', raw: patched(rawService(), (r) => r.spec.ports.push({ port: 81 })),
    kind: 'Service', field: 'spec.ports[1].name', severity: 'error', message: 'must name each', survives: true,
  },
  {
    title: 'a nodePort on a ClusterIP service', raw: patched(rawService(), (r) => (r.spec.ports[0].nodePort = 30080)),
    kind: 'Service', field: 'spec.ports[0].nodePort', severity: 'warning', message: 'ignored', survives: true,
    then: (service) => assert.equal(service.ports[0].nodePort, undefined),
  },
  {
    title: 'a nodePort above 65535', raw: patched(rawLoadBalancer(), (r) => (r.spec.ports[0].nodePort = 70000)),
    kind: 'Service', field: 'spec.ports[0].nodePort', severity: 'error', message: 'nodePort dropped', survives: true,
    then: (service) => assert.deepEqual(service.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 }]),
  },
  {
    title: 'a targetPort name with upper case and underscore', raw: patched(rawService(), (r) => (r.spec.ports[0].targetPort = 'HTTP_Port')),
    kind: 'Service', field: 'spec.ports[0].targetPort', severity: 'error', message: 'neither a port number', survives: true,
    then: (service) => assert.deepEqual(service.ports, []),
  },
  {
    title: 'a bad external IP', raw: patched(rawService(), (r) => (r.spec.externalIPs = ['198.51.100.1', 'bogus'])),
    kind: 'Service', field: 'spec.externalIPs[1]', severity: 'error', message: 'external IP dropped', survives: true,
    then: (service) => assert.deepEqual(service.externalIPs, ['198.51.100.1']),
  },
  {
    title: 'a bad load balancer ingress IP', raw: patched(rawLoadBalancer(), (r) => r.status.loadBalancer.ingress.unshift({ ip: 'x' })),
    kind: 'Service', field: 'status.loadBalancer.ingress[0].ip', severity: 'error', message: 'ingress IP dropped', survives: true,
    then: (service) => assert.deepEqual(service.loadBalancerIngress, [{ ip: '203.0.113.7', ipMode: 'VIP' }]),
  },
  {
    title: 'an unknown ipMode', raw: patched(rawLoadBalancer(), (r) => (r.status.loadBalancer.ingress[0].ipMode = 'Magic')),
    kind: 'Service', field: 'status.loadBalancer.ingress[0].ipMode', severity: 'warning', message: 'unknown ipMode', survives: true,
    then: (service) => assert.equal(service.loadBalancerIngress[0].ipMode, 'VIP'),
  },
  {
    title: 'a source range with host bits', raw: patched(rawLoadBalancer(), (r) => (r.spec.loadBalancerSourceRanges = ['10.0.0.1/8'])),
    kind: 'Service', field: 'spec.loadBalancerSourceRanges[0]', severity: 'warning', message: 'host bits', survives: true,
    then: (service) => assert.deepEqual(service.loadBalancerSourceRanges, ['10.0.0.0/8']),
  },
  {
    title: 'source ranges that are all invalid', raw: patched(rawLoadBalancer(), (r) => (r.spec.loadBalancerSourceRanges = ['10.0.0.0/33'])),
    kind: 'Service', field: 'spec.loadBalancerSourceRanges', severity: 'error', message: 'allow every source', survives: false,
  },
  {
    title: 'an unknown session affinity', raw: patched(rawService(), (r) => (r.spec.sessionAffinity = 'Sticky')),
    kind: 'Service', field: 'spec.sessionAffinity', severity: 'warning', message: 'unknown session affinity', survives: true,
    then: (service) => assert.equal(service.sessionAffinity, 'None'),
  },
  {
    title: 'an affinity timeout above one day',
    raw: patched(rawService(), (r) => { r.spec.sessionAffinity = 'ClientIP'; r.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 100000 } }; }),
    kind: 'Service', field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', severity: 'warning', message: '1..86400', survives: true,
    then: (service) => assert.equal(service.sessionAffinityTimeoutSeconds, 10800),
  },
  {
    title: 'an ExternalName service without externalName', raw: patched(rawService(), (r) => { r.spec.type = 'ExternalName'; delete r.spec.clusterIP; }),
    kind: 'Service', field: 'spec.externalName', severity: 'error', message: 'needs externalName', survives: false,
  },
  {
    title: 'the legacy externalTrafficPolicy Global', raw: patched(rawLoadBalancer(), (r) => (r.spec.externalTrafficPolicy = 'Global')),
    kind: 'Service', field: 'spec.externalTrafficPolicy', severity: 'warning', message: 'unknown traffic policy', survives: true,
    then: (service) => assert.equal(service.externalTrafficPolicy, 'Cluster'),
  },
  {
    title: 'a healthCheckNodePort on a ClusterIP service', raw: patched(rawService(), (r) => (r.spec.healthCheckNodePort = 32000)),
    kind: 'Service', field: 'spec.healthCheckNodePort', severity: 'warning', message: 'ignored', survives: true,
    then: (service) => assert.equal(service.healthCheckNodePort, undefined),
  },
  {
    title: 'a selector with a numeric value', raw: patched(rawService(), (r) => (r.spec.selector = { app: 'web', tier: 2 })),
    kind: 'Service', field: 'spec.selector.tier', severity: 'error', message: 'must be a string', survives: false,
  },
  // --- EndpointSlice
  { title: 'a slice without the service-name label', raw: patched(rawSlice(), (r) => (r.metadata.labels = {})), kind: 'EndpointSlice', field: 'metadata.labels["kubernetes.io/service-name"]', severity: 'error', message: 'missing', survives: false },
  { title: 'a slice without addressType', raw: patched(rawSlice(), (r) => delete r.addressType), kind: 'EndpointSlice', field: 'addressType', severity: 'error', message: 'addressType is missing', survives: false },
  { title: 'a slice with addressType IPv5', raw: patched(rawSlice(), (r) => (r.addressType = 'IPv5')), kind: 'EndpointSlice', field: 'addressType', severity: 'error', message: 'unknown addressType', survives: false },
  {
    title: 'an IPv6 address in an IPv4 slice', raw: patched(rawSlice(), (r) => r.endpoints.push({ addresses: ['fd00::7'] })),
    kind: 'EndpointSlice', field: 'endpoints[1].addresses[0]', severity: 'error', message: 'is IPv6 but', survives: true,
    then: (slice) => assert.deepEqual(slice.endpoints.map((e: Raw) => e.addresses), [['10.244.1.5']]),
  },
  {
    title: 'an endpoint with no addresses', raw: patched(rawSlice(), (r) => r.endpoints.push({ addresses: [] })),
    kind: 'EndpointSlice', field: 'endpoints[1].addresses', severity: 'error', message: 'endpoint dropped', survives: true,
    then: (slice) => assert.equal(slice.endpoints.length, 1),
  },
  {
    title: 'a slice port 0', raw: patched(rawSlice(), (r) => (r.ports[0].port = 0)),
    kind: 'EndpointSlice', field: 'ports[0].port', severity: 'error', message: '1..65535', survives: true,
    then: (slice) => assert.deepEqual(slice.ports, []),
  },
  {
    title: 'a ready condition given as a string', raw: patched(rawSlice(), (r) => (r.endpoints[0].conditions.ready = 'yes')),
    kind: 'EndpointSlice', field: 'endpoints[0].conditions.ready', severity: 'warning', message: 'treated as unset', survives: true,
    then: (slice) => assert.deepEqual(slice.endpoints[0].conditions, { ready: true, serving: true, terminating: false }),
  },
  // --- NetworkPolicy: a bad rule costs that rule; the policy and its isolation stay.
  {
    title: 'a policy without podSelector', raw: patched(rawPolicy(), (r) => delete r.spec.podSelector),
    kind: 'NetworkPolicy', field: 'spec.podSelector', severity: 'warning', message: 'selects every pod of the namespace', survives: true,
    then: (policy) => assert.deepEqual(policy.podSelector, { matchLabels: {}, matchExpressions: [] }),
  },
  { title: 'an unknown selector operator', raw: patched(rawPolicy(), (r) => (r.spec.podSelector = { matchExpressions: [{ key: 'app', operator: 'Like', values: ['w'] }] })), kind: 'NetworkPolicy', field: 'spec.podSelector.matchExpressions[0].operator', severity: 'error', message: 'unknown operator', survives: false },
  { title: 'In without values', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from[0].podSelector = { matchExpressions: [{ key: 'role', operator: 'In', values: [] }] })), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values', severity: 'error', message: 'needs at least one value', survives: true, then: onlyRuleDropped },
  { title: 'Exists with values', raw: patched(rawPolicy(), (r) => (r.spec.podSelector = { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] })), kind: 'NetworkPolicy', field: 'spec.podSelector.matchExpressions[0].values', severity: 'error', message: 'must not have values', survives: false },
  {
    title: 'an unknown policy type', raw: patched(rawPolicy(), (r) => (r.spec.policyTypes = ['Ingress', 'Sideways'])),
    kind: 'NetworkPolicy', field: 'spec.policyTypes[1]', severity: 'error', message: 'unknown policy type', survives: true,
    // Sideways may have meant Egress: egress is isolated too, with no rule of this policy.
    then: (policy) => { assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']); assert.deepEqual(policy.egress, []); assert.equal(policy.ingress.length, 1); },
  },
  { title: 'an ipBlock with a bad cidr', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0' } }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].ipBlock.cidr', severity: 'error', message: 'not a CIDR', survives: true, then: onlyRuleDropped },
  { title: 'an except outside the cidr', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].ipBlock.except[0]', severity: 'error', message: 'strict subnet', survives: true, then: onlyRuleDropped },
  { title: 'an except equal to the cidr', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] } }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].ipBlock.except[0]', severity: 'error', message: 'strict subnet', survives: true, then: onlyRuleDropped },
  { title: 'an ipBlock together with a podSelector', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0]', severity: 'error', message: 'not both', survives: true, then: onlyRuleDropped },
  {
    title: 'an empty egress peer', raw: patched(rawPolicy(), (r) => (r.spec.egress = [{ to: [{}] }])),
    kind: 'NetworkPolicy', field: 'spec.egress[0].to[0]', severity: 'error', message: 'empty peer', survives: true,
    // The author wrote an egress rule, so Egress is still inferred: egress stays isolated.
    then: (policy) => { assert.deepEqual(policy.egress, []); assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']); },
  },
  { title: 'endPort below port', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].ports = [{ port: 9000, endPort: 8000 }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].ports[0].endPort', severity: 'error', message: 'below port', survives: true, then: onlyRuleDropped },
  { title: 'endPort with a named port', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].ports = [{ port: 'http', endPort: 8000 }])), kind: 'NetworkPolicy', field: 'spec.ingress[0].ports[0].endPort', severity: 'error', message: 'named port', survives: true, then: onlyRuleDropped },
  { title: 'a policy port with protocol icmp', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].ports[0].protocol = 'icmp')), kind: 'NetworkPolicy', field: 'spec.ingress[0].ports[0].protocol', severity: 'error', message: 'unknown protocol', survives: true, then: onlyRuleDropped },
  { title: 'a policy port 0', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].ports[0].port = 0)), kind: 'NetworkPolicy', field: 'spec.ingress[0].ports[0].port', severity: 'error', message: '1..65535', survives: true, then: onlyRuleDropped },
  {
    title: 'an ipBlock cidr with host bits', raw: patched(rawPolicy(), (r) => (r.spec.ingress[0].from = [{ ipBlock: { cidr: '192.168.1.7/24' } }])),
    kind: 'NetworkPolicy', field: 'spec.ingress[0].from[0].ipBlock.cidr', severity: 'warning', message: 'host bits', survives: true,
    then: (policy) => assert.deepEqual(policy.ingress[0].peers, [{ ipBlock: { cidr: '192.168.1.0/24', except: [] } }]),
  },
];

describe('convert: malformed objects', () => {
  it('has at least 35 cases', () => {
    assert.ok(CASES.length >= 35, `only ${CASES.length} cases`);
  });

  runMalformedCases(CASES);
});
