import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'mocha';
import { formatProblem, type Problem } from '../../src/core/model/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { loadCluster } from '../../src/sources/load-cluster.js';

const BROKEN = fileURLToPath(new URL('../../examples/broken-manifests', import.meta.url));

/**
 * The README rows of the files that hold what strict conversion refuses, as [file, kind
 * namespace/name, field, severity, a part of the message]. Each was checked by hand against
 * Kubernetes' rules (see the README's Problem column).
 */
const ROWS: readonly (readonly [string, string, string, Problem['severity'], string])[] = [
  ['forged-names.yaml', 'Pod default/pod-forged-node', 'spec.nodeName', 'error', '"node-ok\\u0000evil" is not a DNS-1123 subdomain'],
  ['forged-names.yaml', 'Pod default/pod-forged-label', 'metadata.labels["app\\u0000twin"]', 'error', 'not a qualified name'],
  ['forged-names.yaml', 'EndpointSlice default/forged-slice-a1b2c', 'metadata.labels["kubernetes.io/service-name"]', 'error', '"mixed\\u0000x" is not a valid label value'],
  ['forged-names.yaml', 'Service default/svc-forged-port', 'spec.ports[0].name', 'error', '"http; $(touch /tmp/x)\\nCOMMIT" is not a DNS-1123 label'],
  ['forged-names.yaml', 'Service default/Web_Frontend', 'metadata.name', 'error', 'not a DNS-1123 label'],
  ['forged-names.yaml', 'Pod default/pod-bad-label-value', 'metadata.labels.tier', 'error', '"front end" is not a valid label value'],
  ['special-addresses.yaml', 'EndpointSlice default/mixed-special-k3j4h', 'endpoints[1].addresses[0]', 'error', '127.0.0.1 is loopback'],
  ['special-addresses.yaml', 'EndpointSlice default/mixed-special-k3j4h', 'endpoints[2].addresses[0]', 'error', '169.254.169.254 is link-local'],
  ['special-addresses.yaml', 'Service default/svc-external-local', 'spec.externalIPs[0]', 'error', '169.254.169.254 is link-local'],
  ['special-addresses.yaml', 'Service default/svc-lb-loopback', 'status.loadBalancer.ingress[0].ip', 'error', '127.0.0.1 is loopback'],
  ['special-addresses.yaml', 'Node node-everything', 'spec.podCIDR', 'error', '0.0.0.0/0 covers every IPv4 address'],
  ['special-addresses.yaml', 'Pod default/pod-loopback-ip', 'status.podIPs[0].ip', 'error', '127.0.0.1 is loopback'],
  ['bad-kinds.yaml', 'NetworkPolicy default/deny-all-v2', 'apiVersion', 'error', '"networking.k8s.io/v2"'],
  ['bad-kinds.yaml', 'NetworkPolicy default/deny-all-core', 'apiVersion', 'error', 'a group where Kubernetes serves no NetworkPolicy'],
  ['bad-kinds.yaml', 'networkpolicy default/deny-all-lowercase', 'kind', 'error', 'kinds are case-sensitive'],
  ['bad-kinds.yaml', 'EndpointSlice default/mixed-old-v1b2', 'apiVersion', 'error', 'stopped serving in 1.25'],
  ['unknown-fields.yaml', 'NetworkPolicy default/typo-form', 'spec.ingress[0].form', 'warning', 'did you mean "from"?'],
  ['unknown-fields.yaml', 'NetworkPolicy default/typo-match-label', 'spec.podSelector.matchLabel', 'warning', 'did you mean "matchLabels"?'],
  ['unknown-fields.yaml', 'Service default/svc-typo', 'spec.selectr', 'warning', 'did you mean "selector"?'],
];

function subject(problem: Problem): string {
  return `${problem.kind} ${problem.namespace ? `${problem.namespace}/` : ''}${problem.name ?? '?'}`;
}

describe('examples/broken-manifests under strict conversion', () => {
  let snapshot: ClusterSnapshot;
  let problems: readonly Problem[];

  before(async () => {
    ({ snapshot, problems } = await loadCluster([BROKEN]));
  });

  for (const [file, object, field, severity, message] of ROWS) {
    it(`reports ${object} ${field} (${file})`, () => {
      const match = problems.find(
        (problem) =>
          subject(problem) === object &&
          problem.field === field &&
          problem.severity === severity &&
          problem.message.includes(message) &&
          (problem.origin ?? '').includes(file),
      );
      assert.ok(match, `not among:\n${problems.map(formatProblem).join('\n')}`);
    });
  }

  it('keeps the objects the README says are kept (counted by hand from the files)', () => {
    // Nodes: node-ok, node-bad-ip, node-host-bits, node-everything (bad parts dropped).
    // Pods: twin, pod-bad-ip, pod-two-ipv4, pod-bad-ports, pod-lowercase-protocol, pod-loopback-ip.
    // Services: svc-bad-ports, svc-http-protocol, svc-unnamed-port, mixed, svc-forged-port,
    //   svc-external-local, svc-lb-loopback, svc-typo.
    // Slices: mixed-v4abc, mixed-v6def, ghost-k8z2m, mixed-special-k3j4h.
    // Policies: every one but unknown-operator (invalid podSelector) and bad-kinds.yaml's three.
    assert.deepEqual(snapshot.counts(), { Node: 4, Namespace: 2, Pod: 6, Service: 8, EndpointSlice: 4, NetworkPolicy: 7 });
    assert.deepEqual(snapshot.service('default/svc-forged-port')?.ports.map((port) => port.name), ['metrics']);
    assert.equal(snapshot.service('default/svc-external-local')?.externalTrafficPolicy, 'Local');
    assert.deepEqual(snapshot.podsOnNode('node-ok').map((pod) => pod.name).sort(), [
      'pod-bad-ip', 'pod-bad-ports', 'pod-loopback-ip', 'pod-lowercase-protocol', 'pod-two-ipv4', 'twin',
    ]);
    assert.deepEqual(
      snapshot.endpointSlicesForService('default/mixed').flatMap((slice) => slice.endpoints.flatMap((endpoint) => endpoint.addresses)).sort(),
      ['10.1.1.30', '10.1.1.40'],
    );
  });

  it('prints every problem on one line', () => {
    for (const problem of problems) assert.doesNotMatch(formatProblem(problem), /[\n\r\u0000]/);
  });
});
