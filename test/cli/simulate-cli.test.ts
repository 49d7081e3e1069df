import assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import type { CliRun } from './run-cli.js';
import { assertOneLineFailure, explainOf, matricesOf, matrixFromRows, simulateAll } from '../simulator/simulate-cli-runner.js';

const SEED = ['-f', 'examples/seed-cluster'];

// The 18 running pod-network pods of the seed cluster, in key order (the hostNetwork
// node-exporter is left out). Rows below group them as
//   backend: api-1 api-2 api-3 db-0 db-1 | default: echo-1 echo-2 toolbox |
//   frontend: gateway-1 gateway-2 web-1 web-2 web-3 | kube-system: coredns-a coredns-b |
//   monitoring: prometheus-0 | secure: vault-1 vault-2
const PODS = [
  'backend/api-1', 'backend/api-2', 'backend/api-3', 'backend/db-0', 'backend/db-1',
  'default/echo-1', 'default/echo-2', 'default/toolbox',
  'frontend/gateway-1', 'frontend/gateway-2', 'frontend/web-1', 'frontend/web-2', 'frontend/web-3',
  'kube-system/coredns-a', 'kube-system/coredns-b',
  'monitoring/prometheus-0',
  'secure/vault-1', 'secure/vault-2',
];

// Worked out by hand from networkpolicies.yaml:
// - backend pods (api-*, db-*) are egress-isolated by backend/restrict-egress: every pod IP is
//   inside the ipBlock's except (10.1.0.0/16), so they reach only coredns on 53/UDP (named
//   port dns) and the db pods on 5432/TCP, plus themselves;
// - web-* take TCP 80 (named port http) only, from prometheus-0 and the gateways;
// - vault-* take TCP 8080 only, from role=frontend pods of team=frontend namespaces
//   (gateways and web pods; not default/toolbox);
// - everything else is open, and a pod always reaches itself.
const TCP_80 = matrixFromRows(PODS, [
  '10000 000 00000 00 0 00',
  '01000 000 00000 00 0 00',
  '00100 000 00000 00 0 00',
  '00010 000 00000 00 0 00',
  '00001 000 00000 00 0 00',
  '11111 111 11000 11 1 00', // echo-1: web only from monitoring and gateways
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11111 11 1 00', // gateway-1 reaches the web pods
  '11111 111 11111 11 1 00',
  '11111 111 11100 11 1 00', // web-1: itself, not the other web pods
  '11111 111 11010 11 1 00',
  '11111 111 11001 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11111 11 1 00', // prometheus-0 reaches the web pods
  '11111 111 11000 11 1 10', // vault-1: itself only among the vaults
  '11111 111 11000 11 1 01',
]);

const TCP_8080 = matrixFromRows(PODS, [
  '10000 000 00000 00 0 00',
  '01000 000 00000 00 0 00',
  '00100 000 00000 00 0 00',
  '00010 000 00000 00 0 00',
  '00001 000 00000 00 0 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00', // toolbox: role=frontend, but not in a team=frontend namespace
  '11111 111 11000 11 1 11', // gateway-1 reaches both vaults; web is closed on 8080
  '11111 111 11000 11 1 11',
  '11111 111 11100 11 1 11', // web-1 reaches the vaults (web-3, terminating, is still a peer)
  '11111 111 11010 11 1 11',
  '11111 111 11001 11 1 11',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00', // prometheus-0: monitoring is no frontend namespace
  '11111 111 11000 11 1 10',
  '11111 111 11000 11 1 01',
]);

const UDP_53 = matrixFromRows(PODS, [
  '10000 000 00000 11 0 00', // api-1 reaches coredns over UDP 53 (egress rule 1)
  '01000 000 00000 11 0 00',
  '00100 000 00000 11 0 00',
  '00010 000 00000 11 0 00',
  '00001 000 00000 11 0 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00', // gateway-1: web takes TCP only
  '11111 111 11000 11 1 00',
  '11111 111 11100 11 1 00',
  '11111 111 11010 11 1 00',
  '11111 111 11001 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 10',
  '11111 111 11000 11 1 01',
]);

const TCP_5432 = matrixFromRows(PODS, [
  '10011 000 00000 00 0 00', // api-1 reaches db-0 and db-1 (egress rule 2)
  '01011 000 00000 00 0 00',
  '00111 000 00000 00 0 00',
  '00011 000 00000 00 0 00', // db-0 reaches db-1 too: the db pods are peers of their own rule
  '00011 000 00000 00 0 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11100 11 1 00',
  '11111 111 11010 11 1 00',
  '11111 111 11001 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 10',
  '11111 111 11000 11 1 01',
]);

// A port no rule names (53/TCP: DNS over TCP is not allowed to backend; 80, 8080 and 5432 over
// UDP): backend pods reach only themselves, web and vault are closed, the rest is open.
const CLOSED = matrixFromRows(PODS, [
  '10000 000 00000 00 0 00',
  '01000 000 00000 00 0 00',
  '00100 000 00000 00 0 00',
  '00010 000 00000 00 0 00',
  '00001 000 00000 00 0 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11100 11 1 00',
  '11111 111 11010 11 1 00',
  '11111 111 11001 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 00',
  '11111 111 11000 11 1 10',
  '11111 111 11000 11 1 01',
]);

function explainArgs(from: string, to: string, port: number, protocol = 'TCP'): string[] {
  return [...SEED, '--explain', '--from', from, '--to', to, '--port', String(port), '--protocol', protocol, '-o', 'json'];
}

/** Hand-checked `--explain` scenarios: [from, to, port, protocol, allowed, a line the explanation must hold]. */
const EXPLAINED: [string, string, number, string, boolean, string][] = [
  ['frontend/web-1', 'secure/vault-1', 8080, 'TCP', true, '  ingress to secure/vault-1 (node kube-node1): allowed by secure/allow-frontend-to-vault ingress rule 0'],
  ['default/toolbox', 'secure/vault-2', 8080, 'TCP', false, '  ingress to secure/vault-2 (node kube-node3): denied, isolated by secure/allow-frontend-to-vault, secure/default-deny-ingress and no rule allows TCP/8080 from 10.1.3.8'],
  ['backend/api-1', 'backend/db-1', 5432, 'TCP', true, '  egress from backend/api-1 (node kube-node1): allowed by backend/restrict-egress egress rule 2'],
  ['backend/api-2', 'kube-system/coredns-a', 53, 'udp', true, '  egress from backend/api-2 (node kube-node2): allowed by backend/restrict-egress egress rule 1'],
  ['backend/api-2', 'kube-system/coredns-a', 53, 'TCP', false, '  egress from backend/api-2 (node kube-node2): denied, isolated by backend/restrict-egress and no rule allows TCP/53 to 10.1.0.2'],
  ['backend/api-3', 'secure/vault-2', 8080, 'TCP', false, '  egress from backend/api-3 (node kube-node3): denied, isolated by backend/restrict-egress and no rule allows TCP/8080 to 10.1.3.5'],
  ['monitoring/prometheus-0', 'frontend/web-2', 80, 'TCP', true, '  ingress to frontend/web-2 (node kube-node2): allowed by frontend/web-ingress ingress rule 0'],
  ['frontend/gateway-2', 'frontend/web-1', 80, 'TCP', true, '  ingress to frontend/web-1 (node kube-node1): allowed by frontend/web-ingress ingress rule 1'],
  ['monitoring/prometheus-0', 'frontend/web-1', 8080, 'TCP', false, '  ingress to frontend/web-1 (node kube-node1): denied, isolated by frontend/web-ingress and no rule allows TCP/8080 from 10.1.2.5'],
  ['default/echo-1', 'frontend/web-3', 80, 'TCP', false, '  ingress to frontend/web-3 (node kube-node3): denied, isolated by frontend/web-ingress and no rule allows TCP/80 from 10.1.2.6'],
  ['frontend/web-1', 'backend/api-2', 8080, 'TCP', true, '  ingress to backend/api-2 (node kube-node2): allowed, no policy isolates it for ingress'],
  ['backend/api-1', 'backend/api-1', 8080, 'TCP', true, 'backend/api-1 to itself: always allowed, the traffic never leaves the pod'],
];

/** Expected failures: [args, what stderr says]. */
const FAILURES: [string[], RegExp][] = [
  [[...SEED, '--matrix', '--node', 'kube-node1'], /^kube-router: --matrix and --node do not go together/],
  [[...SEED, '--explain', '--matrix'], /^kube-router: --matrix and --explain do not go together/],
  [[...SEED, '--matrix', '--dataplane'], /option '--dataplane <target>' argument missing/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', '172.16.10.10', '--port', '80', '--dataplane', 'lab'], /^kube-router: --dataplane: expected iptables or nftables \(or ipvs\), got "lab"$/],
  [[...SEED, '--matrix', '--dataplane', 'ipvs'], /^kube-router: --dataplane ipvs is a service proxy: use iptables or nftables with --matrix$/],
  [[...SEED, '--explain', '--from', 'frontend/web-1', '--to', 'backend/api-1', '--port', '80', '--dataplane', 'nftables'], /^kube-router: --explain with --dataplane is not implemented yet/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', '172.16.10.10', '--port', '80', '--nodeport-addresses', '192.168.1.0/24', '--dataplane', 'nftables'], /^kube-router: --nodeport-addresses with --dataplane is not implemented yet/],
  // As root, refused for this kernel (no SCTP sockets, no IPVS); otherwise for want of root.
  [[...SEED, '--matrix', '--protocol', 'SCTP', '--dataplane', 'nftables'], /^kube-router: (--protocol SCTP with --dataplane needs SCTP sockets, which this kernel does not have|--dataplane needs root)/],
  // An ipvs question goes to the kernel VM; SCTP is refused before any boot.
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', '172.16.10.10', '--port', '80', '--protocol', 'SCTP', '--dataplane', 'ipvs'], /^kube-router: (--protocol SCTP with --dataplane (needs SCTP sockets|is not implemented yet)|--dataplane needs root)/],
  [[...SEED], /^kube-router: say what to simulate: --matrix, --explain/],
  [['--matrix'], /required option '-f, --file <path>' not specified/],
  [[...SEED, '--matrix', '--bogus'], /unknown option '--bogus'/],
  [[...SEED, '--matrix', '--port', 'http'], /^kube-router: --port: expected a port number 1\.\.65535, got "http"$/],
  [[...SEED, '--matrix', '--port', '65536'], /^kube-router: --port: expected a port number/],
  [[...SEED, '--matrix', '--protocol', 'icmp'], /^kube-router: --protocol: expected TCP, UDP, SCTP \(any case\), got "icmp"$/],
  [[...SEED, '--matrix', '--output', 'yaml'], /^kube-router: --output: expected json or table, got "yaml"$/],
  [[...SEED, '--matrix', '--cluster-cidr', '10.1.0.0/16'], /^kube-router: --cluster-cidr is not used with --matrix$/],
  [[...SEED, '--matrix', '--from', 'frontend/web-1'], /^kube-router: --from is not used with --matrix$/],
  [explainArgs('frontend/nope', 'backend/api-1', 80), /^kube-router: --from: no pod "frontend\/nope" in the cluster$/],
  [explainArgs('frontend/web-1', 'api-1', 80), /^kube-router: --to: expected NAMESPACE\/POD, got "api-1"$/],
  [explainArgs('monitoring/node-exporter-kube-node1', 'frontend/web-1', 80), /^kube-router: --from: pod monitoring\/node-exporter-kube-node1 uses the host network/],
  [[...SEED, '--explain', '--from', 'frontend/web-1', '--to', 'backend/api-1'], /^kube-router: --explain needs --port$/],
  [[...SEED, '--explain', '--from', 'frontend/web-1', '--to', 'backend/api-1', '--port', '80', '--port', '81'], /^kube-router: --port: give it once with --explain/],
  [[...SEED, '--node', 'kube-node9', '--from', '10.1.1.2', '--to', '172.16.10.10', '--port', '80'], /^kube-router: --node: no node "kube-node9" in the cluster$/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.300', '--to', '172.16.10.10', '--port', '80'], /^kube-router: from: "10\.1\.1\.300" is not a valid IPv4 address$/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', 'web', '--port', '80'], /^kube-router: to: "web" is not a valid IP address$/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--port', '80'], /^kube-router: --node needs --to IP$/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', '172.16.10.10', '--port', '80', '--cluster-cidr', '10.1.0.1/16'], /^kube-router: --cluster-cidr: "10\.1\.0\.1\/16" has host bits set/],
  [[...SEED, '--node', 'kube-node1', '--from', '10.1.1.2', '--to', 'fd00::1', '--port', '80'], /^kube-router: from 10\.1\.1\.2 is IPv4 but to fd00::1 is IPv6/],
  // Manifests with warnings (no Node objects): a failing run still prints only why it failed.
  [['-f', 'test/fixtures/simulate/default-deny', '--explain', '--from', 'shop/nope', '--to', 'shop/cart', '--port', '80'], /^kube-router: --from: no pod "shop\/nope" in the cluster$/],
];

describe('kube-router simulate over the seed cluster (end to end)', function () {
  this.timeout(240_000);
  let matrices: CliRun;
  let byDefault: CliRun;
  let table: CliRun;
  let explainText: CliRun;
  let explained: CliRun[];
  let failures: CliRun[];

  before(async () => {
    const runs = await simulateAll([
      [...SEED, '--matrix', '--port', '80', '--port', '8080', '--port', '53', '--port', '5432', '--protocol', 'TCP', '--protocol', 'udp', '-o', 'json'],
      [...SEED, '--matrix', '--output', 'json'],
      [...SEED, '--matrix'],
      [...SEED, '--explain', '--from', 'default/toolbox', '--to', 'secure/vault-1', '--port', '8080'],
      ...EXPLAINED.map(([from, to, port, protocol]) => explainArgs(from, to, port, protocol)),
      ...FAILURES.map(([args]) => args),
    ]);
    [matrices, byDefault, table, explainText] = runs as [CliRun, CliRun, CliRun, CliRun];
    explained = runs.slice(4, 4 + EXPLAINED.length);
    failures = runs.slice(4 + EXPLAINED.length);
  });

  describe('--matrix', () => {
    it('prints one result per port and protocol, port-major, protocols upper case', () => {
      const { results } = matricesOf(matrices);
      assert.deepEqual(results.map((result) => `${result.port}/${result.protocol}`), [
        '80/TCP', '80/UDP', '8080/TCP', '8080/UDP', '53/TCP', '53/UDP', '5432/TCP', '5432/UDP',
      ]);
      assert.equal(matrices.stderr, '');
    });

    it('lists every running pod-network pod as source and destination, in key order', () => {
      const [first] = matricesOf(matrices).results;
      assert.deepEqual(Object.keys(first?.matrix ?? {}), PODS);
      for (const row of Object.values(first?.matrix ?? {})) assert.deepEqual(Object.keys(row), PODS);
    });

    const expected: [string, Record<string, Record<string, boolean>>][] = [
      ['80/TCP', TCP_80], ['8080/TCP', TCP_8080], ['53/UDP', UDP_53], ['5432/TCP', TCP_5432],
      ['53/TCP', CLOSED], ['80/UDP', CLOSED], ['8080/UDP', CLOSED], ['5432/UDP', CLOSED],
    ];
    for (const [name, matrix] of expected) {
      it(`answers ${name} as worked out by hand`, () => {
        const found = matricesOf(matrices).results.find((result) => `${result.port}/${result.protocol}` === name);
        assert.deepEqual(found?.matrix, matrix);
      });
    }

    it('defaults to port 80 over TCP', () => {
      const { results } = matricesOf(byDefault);
      assert.equal(results.length, 1);
      assert.deepEqual([results[0]?.port, results[0]?.protocol], [80, 'TCP']);
      assert.deepEqual(results[0]?.matrix, TCP_80);
    });

    it('prints a readable grid by default', () => {
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.split('\n');
      assert.equal(lines[0], ' 1  backend/api-1');
      assert.equal(lines[17], '18  secure/vault-2');
      assert.equal(lines[19], 'TCP/80  (rows: from, columns: to; + allowed, . denied)');
      assert.equal(lines[22], ' 1  +.................');
      assert.equal(lines[32], '11  +++++++++++..+++..'); // web-1
      assert.equal(lines[40], '188 of 324 pairs allowed');
    });
  });

  describe('--explain', () => {
    EXPLAINED.forEach(([from, to, port, protocol, allowed, line], index) => {
      it(`${from} → ${to} ${protocol.toUpperCase()}/${port}: ${allowed ? 'allowed' : 'denied'}`, () => {
        const result = explainOf(explained[index] as CliRun);
        assert.equal(result.allowed, allowed);
        assert.ok(result.explain.includes(line), `missing "${line}" in:\n${result.explain.join('\n')}`);
      });
    });

    it('prints the explanation as text by default, verdict first', () => {
      assert.equal(explainText.code, 0, explainText.stderr);
      assert.deepEqual(explainText.stdout.split('\n').slice(0, 4), [
        'default/toolbox → secure/vault-1 TCP/8080: denied',
        'IPv4: default/toolbox 10.1.3.8 → secure/vault-1 10.1.1.4 TCP/8080: denied',
        '  egress from default/toolbox (node kube-node3): allowed, no policy isolates it for egress',
        '  ingress to secure/vault-1 (node kube-node1): denied, isolated by secure/allow-frontend-to-vault, secure/default-deny-ingress and no rule allows TCP/8080 from 10.1.3.8',
      ]);
    });
  });

  describe('errors', () => {
    FAILURES.forEach(([args, pattern], index) => {
      it(`exits 2 with one line: simulate ${args.join(' ').replace('-f examples/seed-cluster', '-f seed')}`, () => {
        assertOneLineFailure(failures[index] as CliRun, pattern);
      });
    });
  });
});
