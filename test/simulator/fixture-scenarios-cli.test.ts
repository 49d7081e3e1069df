import assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import type { CliRun } from '../cli/run-cli.js';
import { explainOf, matricesOf, matrixFromRows, simulateAll, traceOf } from './simulate-cli-runner.js';

/**
 * The purpose-made clusters of test/fixtures/simulate through the real CLI, one rule each.
 * Every expectation was worked out by hand from the manifest comments and Kubernetes /
 * kube-proxy semantics.
 */
const FIXTURES = 'test/fixtures/simulate';

/** [fixture, from, to, port, protocol, allowed, a line the explanation must hold (optional)]. */
type Explained = [string, string, string, number, string, boolean, string?];

const EXPLAINED: Explained[] = [
  // namespaceSelector alone: any pod of an env=prod namespace.
  ['namespace-selectors', 'prod/api', 'db/postgres', 5432, 'TCP', true, '  ingress to db/postgres (node node-1): allowed by db/postgres-ingress ingress rule 0'],
  ['namespace-selectors', 'prod/job', 'db/postgres', 5432, 'TCP', true],
  ['namespace-selectors', 'dev/api', 'db/postgres', 5432, 'TCP', false],
  // podSelector alone: the policy's own namespace only.
  ['namespace-selectors', 'db/cache', 'db/postgres', 5432, 'TCP', true, '  ingress to db/postgres (node node-1): allowed by db/postgres-ingress ingress rule 1'],
  ['namespace-selectors', 'dev/cache', 'db/postgres', 5432, 'TCP', false],
  // namespaceSelector AND podSelector in one peer.
  ['namespace-selectors', 'prod/api', 'db/cache', 6379, 'TCP', true],
  ['namespace-selectors', 'prod/job', 'db/cache', 6379, 'TCP', false],
  ['namespace-selectors', 'dev/api', 'db/cache', 6379, 'TCP', false],
  // Empty namespaceSelector: every pod of every namespace, the policy's own included.
  ['namespace-selectors', 'dev/api', 'db/metrics', 9100, 'TCP', true],
  ['namespace-selectors', 'db/postgres', 'db/metrics', 9100, 'TCP', true],
  ['namespace-selectors', 'dev/api', 'db/metrics', 9101, 'TCP', false],
  ['namespace-selectors', 'db/postgres', 'prod/api', 80, 'TCP', true],
  // ipBlock with except, matched against pod IPs.
  ['ipblock-except', 'net/near', 'net/server', 443, 'TCP', true, '  ingress to net/server (node node-1): allowed by net/server-from-block ingress rule 0'],
  ['ipblock-except', 'net/blocked', 'net/server', 443, 'TCP', false, '  ingress to net/server (node node-1): denied, isolated by net/server-from-block and no rule allows TCP/443 from 10.4.1.130'],
  ['ipblock-except', 'net/far', 'net/server', 443, 'TCP', true, '  egress from net/far (node node-2): allowed by net/far-egress egress rule 0'],
  ['ipblock-except', 'ext/outsider', 'net/server', 443, 'TCP', false],
  ['ipblock-except', 'net/far', 'net/near', 443, 'TCP', false, '  egress from net/far (node node-2): denied, isolated by net/far-egress and no rule allows TCP/443 to 10.4.1.2'],
  ['ipblock-except', 'net/near', 'net/server', 80, 'TCP', false],
  ['ipblock-except', 'net/near', 'net/far', 80, 'TCP', true],
];

const NAMED_PODS = ['api/a', 'api/b', 'api/caller', 'web/client', 'web/nginx', 'web/plain', 'web/tomcat'];
// Rows grouped api | web. web pods take their own `http` only (nginx 80, tomcat 8080, plain
// nothing); api/caller sends only to api pods on their `http` (a 8080, b 9090).
const NAMED_MATRICES: Record<string, string[]> = {
  '80/TCP': ['111 1100', '111 1100', '001 0000', '111 1100', '111 1100', '111 1110', '111 1101'],
  '8080/TCP': ['111 1001', '111 1001', '101 0000', '111 1001', '111 1101', '111 1011', '111 1001'],
  '9090/TCP': ['111 1000', '111 1000', '011 0000', '111 1000', '111 1100', '111 1010', '111 1001'],
};

interface Traced {
  readonly fixture: string;
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  readonly backends: readonly string[];
  readonly masquerade: boolean;
  readonly says?: RegExp;
}

// Nodes: node-a 192.168.10.1 (pods 10.10.1.x), node-b 192.168.10.2 (pods 10.10.2.x); cluster
// CIDR 10.10.0.0/16; 203.0.113.5, 192.0.2.1 and 198.51.100.7 are outside clients.
const TRACED: Traced[] = [
  // externalTrafficPolicy Local NodePort, one endpoint on node-a.
  { fixture: 'etp-local', node: 'node-a', from: '203.0.113.5', to: '192.168.10.1', port: 31000, verdict: 'ACCEPT', backends: ['10.10.1.5:8080'], masquerade: false },
  { fixture: 'etp-local', node: 'node-b', from: '203.0.113.5', to: '192.168.10.2', port: 31000, verdict: 'DROP', backends: [], masquerade: false },
  { fixture: 'etp-local', node: 'node-b', from: '10.10.2.7', to: '192.168.10.2', port: 31000, verdict: 'ACCEPT', backends: ['10.10.1.5:8080'], masquerade: false, says: /short circuit/ },
  { fixture: 'etp-local', node: 'node-b', from: '192.168.10.2', to: '192.168.10.2', port: 31000, verdict: 'ACCEPT', backends: ['10.10.1.5:8080'], masquerade: true },
  { fixture: 'etp-local', node: 'node-b', from: '203.0.113.5', to: '10.96.0.10', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.5:8080'], masquerade: true },
  { fixture: 'etp-local', node: 'node-a', from: '203.0.113.5', to: '192.168.10.2', port: 31000, verdict: 'ACCEPT', backends: [], masquerade: false, says: /no service matched/ },
  // internalTrafficPolicy Local.
  { fixture: 'itp-local', node: 'node-a', from: '10.10.1.9', to: '10.96.0.20', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.6:8080'], masquerade: false },
  { fixture: 'itp-local', node: 'node-b', from: '10.10.2.9', to: '10.96.0.20', port: 80, verdict: 'ACCEPT', backends: ['10.10.2.6:8080'], masquerade: false },
  { fixture: 'itp-local', node: 'node-b', from: '10.10.2.9', to: '10.96.0.21', port: 80, verdict: 'DROP', backends: [], masquerade: false },
  { fixture: 'itp-local', node: 'node-a', from: '10.10.1.9', to: '10.96.0.21', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.7:8080'], masquerade: false },
  // No usable endpoint anywhere: REJECT, whatever the frontend and policy.
  { fixture: 'no-endpoints', node: 'node-a', from: '10.10.1.9', to: '10.96.0.30', port: 80, verdict: 'REJECT', backends: [], masquerade: false, says: /no usable IPv4 endpoint anywhere: REJECT/ },
  { fixture: 'no-endpoints', node: 'node-a', from: '203.0.113.5', to: '192.168.10.1', port: 31030, verdict: 'REJECT', backends: [], masquerade: false },
  { fixture: 'no-endpoints', node: 'node-a', from: '10.10.1.9', to: '10.96.0.31', port: 80, verdict: 'REJECT', backends: [], masquerade: false },
  { fixture: 'no-endpoints', node: 'node-b', from: '203.0.113.5', to: '192.168.10.2', port: 31031, verdict: 'REJECT', backends: [], masquerade: false },
  // Session affinity.
  { fixture: 'session-affinity', node: 'node-a', from: '10.10.1.9', to: '10.96.0.40', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.8:8080', '10.10.2.8:8080'], masquerade: false, says: /session affinity ClientIP: packets from 10\.10\.1\.9 stick to the backend first chosen for 300 s/ },
  { fixture: 'session-affinity', node: 'node-b', from: '10.10.2.9', to: '10.96.0.41', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.8:8080'], masquerade: false, says: /for 10800 s/ },
  { fixture: 'session-affinity', node: 'node-a', from: '10.10.1.9', to: '10.96.0.42', port: 80, verdict: 'ACCEPT', backends: ['10.10.1.8:8080'], masquerade: false },
  // LoadBalancer source ranges.
  { fixture: 'lb-source-ranges', node: 'node-a', from: '198.51.100.7', to: '203.0.113.10', port: 443, verdict: 'ACCEPT', backends: ['10.10.1.9:8443', '10.10.2.9:8443'], masquerade: true },
  { fixture: 'lb-source-ranges', node: 'node-a', from: '192.0.2.1', to: '203.0.113.10', port: 443, verdict: 'DROP', backends: [], masquerade: false },
  { fixture: 'lb-source-ranges', node: 'node-a', from: '192.0.2.1', to: '192.168.10.1', port: 31443, verdict: 'ACCEPT', backends: ['10.10.1.9:8443', '10.10.2.9:8443'], masquerade: true },
  { fixture: 'lb-source-ranges', node: 'node-b', from: '192.0.2.1', to: '203.0.113.11', port: 443, verdict: 'ACCEPT', backends: ['10.10.2.10:8443'], masquerade: true },
  { fixture: 'lb-source-ranges', node: 'node-a', from: '10.10.1.3', to: '203.0.113.10', port: 443, verdict: 'DROP', backends: [], masquerade: false },
];

describe('kube-router simulate over purpose-made clusters (end to end)', function () {
  this.timeout(300_000);
  let defaultDeny: CliRun;
  let named: CliRun;
  let explained: CliRun[];
  let traced: CliRun[];

  before(async () => {
    const runs = await simulateAll([
      ['-f', `${FIXTURES}/default-deny`, '--matrix', '--port', '80', '--protocol', 'sctp', '-o', 'json'],
      ['-f', `${FIXTURES}/named-ports`, '--matrix', '--port', '80', '--port', '8080', '--port', '9090', '-o', 'json'],
      ...EXPLAINED.map(([fixture, from, to, port, protocol]) => [
        '-f', `${FIXTURES}/${fixture}`, '--explain', '--from', from, '--to', to, '--port', String(port), '--protocol', protocol, '-o', 'json',
      ]),
      ...TRACED.map((trace) => [
        '-f', `${FIXTURES}/${trace.fixture}`, '--node', trace.node, '--from', trace.from, '--to', trace.to,
        '--port', String(trace.port), '--cluster-cidr', '10.10.0.0/16', '-o', 'json',
      ]),
    ]);
    [defaultDeny, named] = runs as [CliRun, CliRun];
    explained = runs.slice(2, 2 + EXPLAINED.length);
    traced = runs.slice(2 + EXPLAINED.length);
  });

  it('default-deny: each pod reaches only itself; pending, hostNetwork and finished pods are left out; no Node objects needed', () => {
    const { results } = matricesOf(defaultDeny);
    assert.deepEqual(results.map((result) => `${result.port}/${result.protocol}`), ['80/SCTP']);
    assert.deepEqual(results[0]?.matrix, matrixFromRows(['other/client', 'shop/cart', 'shop/pay'], ['100', '010', '001']));
    assert.match(defaultDeny.stderr, /node node-x does not exist/, 'the missing Node objects are reported as warnings');
  });

  for (const [name, rows] of Object.entries(NAMED_MATRICES)) {
    it(`named-ports: ${name} as worked out by hand`, () => {
      const found = matricesOf(named).results.find((result) => `${result.port}/${result.protocol}` === name);
      assert.deepEqual(found?.matrix, matrixFromRows(NAMED_PODS, rows));
    });
  }

  EXPLAINED.forEach(([fixture, from, to, port, protocol, allowed, line], index) => {
    it(`${fixture}: ${from} → ${to} ${protocol}/${port}: ${allowed ? 'allowed' : 'denied'}`, () => {
      const result = explainOf(explained[index] as CliRun);
      assert.equal(result.allowed, allowed, result.explain.join('\n'));
      if (line !== undefined) assert.ok(result.explain.includes(line), `missing "${line}" in:\n${result.explain.join('\n')}`);
    });
  });

  TRACED.forEach((scenario, index) => {
    it(`${scenario.fixture}: ${scenario.from} → ${scenario.to}:${scenario.port} on ${scenario.node}: ${scenario.verdict}`, () => {
      const trace = traceOf(traced[index] as CliRun);
      assert.deepEqual(
        { verdict: trace.verdict, backends: trace.backends, masquerade: trace.masquerade },
        { verdict: scenario.verdict, backends: scenario.backends, masquerade: scenario.masquerade },
        trace.explain.join('\n'),
      );
      if (scenario.says) assert.match(trace.explain.join('\n'), scenario.says);
    });
  });
});
