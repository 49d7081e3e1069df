import assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import { hasStackTrace, linesOf, problemLinesWithKind, runCli, type CliRun } from './run-cli.js';

/**
 * Problems the broken-manifests README lists, each as substrings one output line must hold
 * together: the object, the field, the bad value and the file. Wording is the converter's;
 * these pin only the facts.
 */
const BROKEN_MANIFEST_PROBLEMS: readonly (readonly [string, readonly string[]])[] = [
  ['duplicate pod default/twin, naming both files', ['Pod default/twin', 'duplicate', 'baseline.yaml', 'duplicate.yaml']],
  ['node-bad-ip pod CIDR prefix 33', ['Node node-bad-ip spec.podCIDR', '10.9.0.0/33', 'bad-addresses.yaml']],
  ['node-bad-ip InternalIP', ['Node node-bad-ip status.addresses[0].address', '192.168.1.300']],
  ['pod-bad-ip pod IP', ['Pod default/pod-bad-ip status.podIP', '10.1.1.x']],
  ['pod-two-ipv4 second IPv4', ['Pod default/pod-two-ipv4 status.podIPs[1].ip', '10.1.1.21']],
  ['svc-bad-cluster-ip', ['Service default/svc-bad-cluster-ip spec.clusterIP', '172.16.0.999']],
  ['svc-bad-external-addresses source range', ['Service default/svc-bad-external-addresses spec.loadBalancerSourceRanges[0]', '192.168.1.0/40']],
  ['svc-family-mismatch', ['Service default/svc-family-mismatch spec.ipFamilies[0]', 'IPv6']],
  ['node-host-bits pod CIDR host bits, naming the network', ['Node node-host-bits spec.podCIDR', '10.1.5.1/24', '10.1.5.0/24', 'host-bits.yaml']],
  ['ipBlock cidr without prefix', ['NetworkPolicy default/ipblock-bad-cidrs spec.egress[0].to[0].ipBlock.cidr', '10.1.0.0']],
  ['ipBlock except outside the cidr', ['NetworkPolicy default/ipblock-bad-cidrs spec.egress[1].to[0].ipBlock.except[0]', '172.16.0.0/16', '10.0.0.0/8']],
  ['service port 70000', ['Service default/svc-bad-ports spec.ports[0].port', '70000']],
  ['service targetPort 65536', ['Service default/svc-bad-ports spec.ports[1].targetPort', '65536']],
  ['service nodePort 99999', ['Service default/svc-bad-ports spec.ports[2].nodePort', '99999']],
  ['container port 0', ['Pod default/pod-bad-ports spec.containers[0].ports[0].containerPort', ' 0']],
  ['container port 65536', ['Pod default/pod-bad-ports spec.containers[0].ports[1].containerPort', '65536']],
  ['policy port 65536', ['NetworkPolicy default/policy-bad-ports spec.ingress[0].ports[0].port', '65536']],
  ['policy endPort below port', ['NetworkPolicy default/policy-bad-ports spec.ingress[1].ports[0].endPort', '80', '8080']],
  ['policy endPort with a named port', ['NetworkPolicy default/policy-bad-ports spec.ingress[2].ports[0].endPort', 'http']],
  ['service protocol HTTP (JSON list)', ['Service default/svc-http-protocol spec.ports[0].protocol', 'HTTP', 'bad-protocols.json']],
  ['lowercase container protocol', ['Pod default/pod-lowercase-protocol spec.containers[0].ports[0].protocol', 'udp']],
  ['policy protocol ICMP', ['NetworkPolicy default/policy-icmp spec.ingress[0].ports[0].protocol', 'ICMP']],
  ['unknown selector operator', ['NetworkPolicy default/unknown-operator spec.podSelector.matchExpressions[0].operator', 'Equals', 'bad-selectors.yaml']],
  ['In without values', ['NetworkPolicy default/operator-values spec.ingress[0].from[0].podSelector.matchExpressions[0].values', 'In']],
  ['Exists with values', ['NetworkPolicy default/operator-values spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].values', 'Exists']],
  ['unknown policy type', ['NetworkPolicy default/unknown-policy-type spec.policyTypes[1]', 'Sideways']],
  ['pod without a name', ['Pod default/? metadata.name', 'missing-fields.yaml']],
  ['document without a kind', ['what-am-i kind', 'missing-fields.yaml']],
  ['unnamed port among several', ['Service default/svc-unnamed-port spec.ports[1].name']],
  ['slice without addressType', ['EndpointSlice default/svc-unnamed-port-x2k9d addressType']],
  ['IPv6 address in an IPv4 slice', ['EndpointSlice default/mixed-v4abc endpoints[1].addresses[0]', 'fd00:10:1::30', 'endpointslices.yaml']],
  ['IPv4 address in an IPv6 slice', ['EndpointSlice default/mixed-v6def endpoints[0].addresses[0]', '10.1.1.31']],
  ['addressType IPv5', ['EndpointSlice default/mixed-badgh addressType', 'IPv5']],
  ['slice of a missing service', ['EndpointSlice default/ghost-k8z2m metadata.labels', 'default/ghost']],
  ['slice without a service-name label', ['EndpointSlice default/orphan-q7w3e metadata.labels', 'kubernetes.io/service-name']],
  // README rows the CLI did not list when these tests were written (see the report):
  ['service without ports', ['Service default/svc-no-ports spec.ports']],
  ['bad external IP next to a good one', ['Service default/svc-bad-external-addresses spec.externalIPs[1]', 'not-an-ip']],
  ['bad load balancer ingress IP', ['Service default/svc-bad-external-addresses status.loadBalancer.ingress[0].ip', '192.168.1.256']],
  ['slice port 70000', ['EndpointSlice default/mixed-badgh ports[0].port', '70000']],
];

describe('kube-router inspect (end to end)', function () {
  this.timeout(180_000);
  let broken: CliRun;
  let seed: CliRun;
  let seedJson: CliRun;
  let missing: CliRun;

  before(async () => {
    [broken, seed, seedJson, missing] = await Promise.all([
      runCli(['inspect', '-f', 'examples/broken-manifests']),
      runCli(['inspect', '-f', 'examples/seed-cluster']),
      runCli(['inspect', '-f', 'examples/seed-cluster', '--output', 'json']),
      runCli(['inspect', '-f', '/nonexistent']),
    ]);
  });

  describe('on examples/broken-manifests', () => {
    it('exits 1 without a stack trace', () => {
      assert.equal(broken.code, 1, broken.stderr);
      assert.equal(hasStackTrace(broken.stderr), false, broken.stderr);
      assert.equal(hasStackTrace(broken.stdout), false);
    });

    it('names the YAML syntax error with its file and line, and keeps the document before it', () => {
      const line = linesOf(broken.stdout).find((text) => text.includes('syntax-error.yaml:'));
      assert.ok(line, 'no line names syntax-error.yaml');
      assert.match(line, /^\s*error /);
      // The flow map opens on line 16 and the parser gives up on line 17.
      assert.match(line, /syntax-error\.yaml:1[67]\b/);
      // Namespaces: default (baseline.yaml) and fine-before-the-error (syntax-error.yaml).
      assert.match(broken.stdout, /namespaces 2,/);
    });

    for (const [what, parts] of BROKEN_MANIFEST_PROBLEMS) {
      it(`lists: ${what}`, () => {
        const line = problemLinesWithKind(broken.stdout).find((text) => parts.every((part) => text.includes(part)));
        assert.ok(line, `no problem line holds all of ${JSON.stringify(parts)}`);
      });
    }
  });

  describe('on examples/seed-cluster', () => {
    it('exits 0, prints the hand-counted totals and "no problems"', () => {
      assert.equal(seed.code, 0, seed.stderr);
      assert.equal(seed.stderr, '');
      const lines = linesOf(seed.stdout);
      assert.equal(lines[0], 'nodes 4, namespaces 6, pods 19, services 9, endpoint slices 9, network policies 4');
      assert.ok(lines.includes('no problems'));
      // Pods per node, from the README's pod table: 1 + 6 + 5 + 7 = 19.
      for (const [node, ip, cidr, pods] of [
        ['kube-master', '192.168.1.99', '10.1.0.0/24', 1],
        ['kube-node1', '192.168.1.100', '10.1.1.0/24', 6],
        ['kube-node2', '192.168.1.101', '10.1.2.0/24', 5],
        ['kube-node3', '192.168.1.102', '10.1.3.0/24', 7],
      ] as const) {
        const line = lines.find((text) => text.trim().startsWith(`node ${node} `));
        assert.ok(line, `no line for ${node}`);
        assert.ok(line.includes(ip) && line.includes(cidr), line);
        assert.match(line, new RegExp(`: ${pods} pods?$`));
      }
    });

    it('--output json prints parseable JSON with the counts and no problems', () => {
      assert.equal(seedJson.code, 0, seedJson.stderr);
      const output = JSON.parse(seedJson.stdout) as { counts: unknown; nodes: unknown; problems: unknown };
      assert.deepEqual(output.counts, { Node: 4, Namespace: 6, Pod: 19, Service: 9, EndpointSlice: 9, NetworkPolicy: 4 });
      // The same facts as the text (and the hand-counted pods per node of the test above).
      assert.deepEqual(output.nodes, [
        { name: 'kube-master', internalIPs: ['192.168.1.99'], podCIDRs: ['10.1.0.0/24'], pods: 1 },
        { name: 'kube-node1', internalIPs: ['192.168.1.100'], podCIDRs: ['10.1.1.0/24'], pods: 6 },
        { name: 'kube-node2', internalIPs: ['192.168.1.101'], podCIDRs: ['10.1.2.0/24'], pods: 5 },
        { name: 'kube-node3', internalIPs: ['192.168.1.102'], podCIDRs: ['10.1.3.0/24'], pods: 7 },
      ]);
      assert.deepEqual(output.problems, []);
    });
  });

  it('exits 2 for a missing path with a one-line message and no stack trace', () => {
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    const lines = linesOf(missing.stderr);
    assert.equal(lines.length, 1, missing.stderr);
    assert.match(lines[0] ?? '', /\/nonexistent/);
    assert.equal(hasStackTrace(missing.stderr), false);
  });
});
