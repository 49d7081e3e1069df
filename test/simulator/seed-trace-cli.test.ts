import assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import type { CliRun } from '../cli/run-cli.js';
import { simulateAll, traceOf } from './simulate-cli-runner.js';

/**
 * Packets through the seed cluster's service proxy, via the real CLI. Each expectation was
 * worked out by hand from examples/seed-cluster (services.yaml, endpointslices.yaml) and
 * kube-proxy's behaviour, with the cluster CIDR 10.1.0.0/16 unless a scenario says otherwise:
 * node addresses kube-node1 192.168.1.100, kube-node2 .101, kube-node3 .102.
 */
interface Scenario {
  readonly name: string;
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol?: string;
  /** Flags instead of the default `--cluster-cidr 10.1.0.0/16`. */
  readonly flags?: readonly string[];
  readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  readonly backends: readonly string[];
  readonly masquerade: boolean;
  /** Something the explanation must say. */
  readonly says?: RegExp;
}

const API = ['10.1.1.3:8080', '10.1.2.3:8080', '10.1.3.3:8080'];
// web-3 is terminating (serving, not ready): ready endpoints exist, so it is not used.
const WEB = ['10.1.1.2:80', '10.1.2.2:80'];
const GATEWAY = ['10.1.1.5:8443', '10.1.3.7:8443'];
const CLUSTER_CIDR = ['--cluster-cidr', '10.1.0.0/16'];

const SCENARIOS: Scenario[] = [
  { name: 'a pod reaches the api cluster IP, source kept', node: 'kube-node1', from: '10.1.1.2', to: '172.16.10.10', port: 80, verdict: 'ACCEPT', backends: API, masquerade: false },
  { name: 'the node reaches the api cluster IP, masqueraded (not a pod address)', node: 'kube-node1', from: '192.168.1.100', to: '172.16.10.10', port: 80, verdict: 'ACCEPT', backends: API, masquerade: true },
  { name: 'a LAN client reaches the web NodePort on kube-node2, masqueraded (eTP Cluster)', node: 'kube-node2', from: '192.168.1.50', to: '192.168.1.101', port: 30080, verdict: 'ACCEPT', backends: WEB, masquerade: true },
  { name: 'toolbox on kube-node3 reaches the web cluster IP: the two ready web pods only', node: 'kube-node3', from: '10.1.3.8', to: '172.16.20.10', port: 80, verdict: 'ACCEPT', backends: WEB, masquerade: false },
  { name: 'a LAN client reaches the gateway load balancer IP', node: 'kube-node1', from: '192.168.1.50', to: '192.168.1.200', port: 443, verdict: 'ACCEPT', backends: GATEWAY, masquerade: true },
  { name: 'a client outside the source ranges is dropped at the load balancer IP', node: 'kube-node1', from: '10.20.0.5', to: '192.168.1.200', port: 443, verdict: 'DROP', backends: [], masquerade: false, says: /outside the load balancer source ranges 192\.168\.1\.0\/24/ },
  { name: 'the same client reaches the gateway NodePort: source ranges apply to the load balancer IP only', node: 'kube-node1', from: '10.20.0.5', to: '192.168.1.100', port: 30443, verdict: 'ACCEPT', backends: GATEWAY, masquerade: true },
  { name: 'a pod is dropped at the load balancer IP too: 10.1.1.2 is outside 192.168.1.0/24', node: 'kube-node1', from: '10.1.1.2', to: '192.168.1.200', port: 443, verdict: 'DROP', backends: [], masquerade: false },
  { name: 'the node reaches the load balancer IP: its address is inside the source range', node: 'kube-node1', from: '192.168.1.100', to: '192.168.1.200', port: 443, verdict: 'ACCEPT', backends: GATEWAY, masquerade: true },
  { name: 'the prometheus NodePort drops outside clients on kube-node1 (eTP Local, no local pod)', node: 'kube-node1', from: '192.168.1.50', to: '192.168.1.100', port: 30090, verdict: 'DROP', backends: [], masquerade: false },
  { name: 'the prometheus NodePort serves outside clients on kube-node2, client address kept', node: 'kube-node2', from: '192.168.1.50', to: '192.168.1.101', port: 30090, verdict: 'ACCEPT', backends: ['10.1.2.5:9090'], masquerade: false },
  { name: 'a pod on kube-node1 reaches the prometheus NodePort through the short circuit', node: 'kube-node1', from: '10.1.1.2', to: '192.168.1.100', port: 30090, verdict: 'ACCEPT', backends: ['10.1.2.5:9090'], masquerade: false, says: /short circuit/ },
  { name: 'kube-node1 itself reaches its prometheus NodePort through the short circuit, masqueraded', node: 'kube-node1', from: '192.168.1.100', to: '192.168.1.100', port: 30090, verdict: 'ACCEPT', backends: ['10.1.2.5:9090'], masquerade: true },
  { name: 'the prometheus cluster IP reaches the pod from any node', node: 'kube-node1', from: '10.1.1.2', to: '172.16.50.10', port: 9090, verdict: 'ACCEPT', backends: ['10.1.2.5:9090'], masquerade: false },
  { name: 'vault keeps a client on one backend for 600 s', node: 'kube-node3', from: '10.1.3.8', to: '172.16.40.10', port: 8080, verdict: 'ACCEPT', backends: ['10.1.1.4:8080', '10.1.3.5:8080'], masquerade: false, says: /session affinity ClientIP: packets from 10\.1\.3\.8 stick to the backend first chosen for 600 s/ },
  { name: 'the echo external IP serves the LAN, masqueraded', node: 'kube-node2', from: '192.168.1.50', to: '192.168.1.150', port: 80, verdict: 'ACCEPT', backends: ['10.1.2.6:8080', '10.1.3.6:8080'], masquerade: true },
  { name: 'DNS over UDP goes to both coredns pods (protocol in lower case)', node: 'kube-node1', from: '10.1.1.3', to: '172.16.0.10', port: 53, protocol: 'udp', verdict: 'ACCEPT', backends: ['10.1.0.2:53', '10.1.1.6:53'], masquerade: false },
  { name: 'DNS over TCP is its own service port with the same endpoints', node: 'kube-node1', from: '10.1.1.3', to: '172.16.0.10', port: 53, protocol: 'TCP', verdict: 'ACCEPT', backends: ['10.1.0.2:53', '10.1.1.6:53'], masquerade: false },
  { name: 'coredns metrics on 9153', node: 'kube-node2', from: '10.1.2.5', to: '172.16.0.10', port: 9153, verdict: 'ACCEPT', backends: ['10.1.0.2:9153', '10.1.1.6:9153'], masquerade: false },
  { name: 'the kubernetes service leads to the API server on the master', node: 'kube-node1', from: '10.1.1.2', to: '172.16.0.1', port: 443, verdict: 'ACCEPT', backends: ['192.168.1.99:6443'], masquerade: false },
  { name: 'web-1 reaching its own service may be balanced back to itself: hairpin masquerade', node: 'kube-node1', from: '10.1.1.2', to: '172.16.20.10', port: 80, verdict: 'ACCEPT', backends: WEB, masquerade: true, says: /hairpin masquerade: the source is backend 10\.1\.1\.2:80/ },
  { name: 'a service IP on a port it does not serve passes untouched', node: 'kube-node1', from: '10.1.1.2', to: '172.16.20.10', port: 81, verdict: 'ACCEPT', backends: [], masquerade: false, says: /no service matched 172\.16\.20\.10:81\/TCP .*serves 80\/TCP \(frontend\/web:http\/TCP\)/ },
  { name: 'UDP to a TCP-only service passes untouched', node: 'kube-node1', from: '10.1.1.2', to: '172.16.10.10', port: 80, protocol: 'UDP', verdict: 'ACCEPT', backends: [], masquerade: false },
  { name: 'the headless db service is not proxied: a db pod IP passes untouched', node: 'kube-node1', from: '10.1.1.3', to: '10.1.2.4', port: 5432, verdict: 'ACCEPT', backends: [], masquerade: false, says: /no service matched/ },
  { name: 'kube-node1 does not answer NodePorts on kube-node2\'s address', node: 'kube-node1', from: '192.168.1.50', to: '192.168.1.101', port: 30080, verdict: 'ACCEPT', backends: [], masquerade: false },
  { name: 'an address of the service CIDR no service holds is refused at once (--service-cluster-ip-range)', node: 'kube-node1', from: '10.1.1.2', to: '172.16.99.99', port: 80, flags: [...CLUSTER_CIDR, '--service-cluster-ip-range', '172.16.0.0/16'], verdict: 'REJECT', backends: [], masquerade: false, says: /172\.16\.99\.99 is in the service CIDR 172\.16\.0\.0\/16 but no service holds 172\.16\.99\.99:80\/TCP: rejected/ },
  { name: 'with the service CIDR given, a held cluster IP is served as before', node: 'kube-node1', from: '10.1.1.2', to: '172.16.10.10', port: 80, flags: [...CLUSTER_CIDR, '--service-cluster-ip-range', '172.16.0.0/16'], verdict: 'ACCEPT', backends: API, masquerade: false },
  { name: 'without the service CIDR, the same unheld address passes untouched', node: 'kube-node1', from: '10.1.1.2', to: '172.16.99.99', port: 80, verdict: 'ACCEPT', backends: [], masquerade: false, says: /no service matched/ },
  { name: '--masquerade-all masquerades pods to a cluster IP', node: 'kube-node1', from: '10.1.1.2', to: '172.16.10.10', port: 80, flags: [...CLUSTER_CIDR, '--masquerade-all'], verdict: 'ACCEPT', backends: API, masquerade: true },
  { name: 'without --cluster-cidr no source is a pod and cluster IPs keep every source', node: 'kube-node1', from: '10.1.1.2', to: '172.16.10.10', port: 80, flags: [], verdict: 'ACCEPT', backends: API, masquerade: false, says: /outside the cluster .*no cluster CIDRs are configured/ },
  { name: '--nodeport-addresses outside every node address: no NodePort listens', node: 'kube-node1', from: '192.168.1.50', to: '192.168.1.100', port: 30080, flags: [...CLUSTER_CIDR, '--nodeport-addresses', '10.99.0.0/16'], verdict: 'ACCEPT', backends: [], masquerade: false },
  { name: '--nodeport-addresses holding the node address: the NodePort listens', node: 'kube-node1', from: '192.168.1.50', to: '192.168.1.100', port: 30080, flags: [...CLUSTER_CIDR, '--nodeport-addresses', '192.168.1.0/24'], verdict: 'ACCEPT', backends: WEB, masquerade: true },
];

function argsOf(scenario: Scenario): string[] {
  return [
    '-f', 'examples/seed-cluster', '--node', scenario.node, '--from', scenario.from, '--to', scenario.to,
    '--port', String(scenario.port), '--protocol', scenario.protocol ?? 'TCP', ...(scenario.flags ?? CLUSTER_CIDR), '-o', 'json',
  ];
}

describe('kube-router simulate --node over the seed cluster (end to end)', function () {
  this.timeout(240_000);
  let runs: CliRun[];
  let text: CliRun;

  before(async () => {
    [text, ...runs] = await simulateAll([
      ['-f', 'examples/seed-cluster', '--node', 'kube-node1', '--from', '10.20.0.5', '--to', '192.168.1.200', '--port', '443', ...CLUSTER_CIDR],
      ...SCENARIOS.map(argsOf),
    ]) as [CliRun, ...CliRun[]];
  });

  SCENARIOS.forEach((scenario, index) => {
    it(`${scenario.name}: ${scenario.verdict}`, () => {
      const trace = traceOf(runs[index] as CliRun);
      assert.deepEqual(
        { verdict: trace.verdict, backends: trace.backends, masquerade: trace.masquerade },
        { verdict: scenario.verdict, backends: scenario.backends, masquerade: scenario.masquerade },
        trace.explain.join('\n'),
      );
      if (scenario.says) assert.match(trace.explain.join('\n'), scenario.says);
    });
  });

  it('prints verdict, backends and masquerade first as text by default', () => {
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.split('\n').slice(0, 3), [
      'DROP: 10.20.0.5 → 192.168.1.200:443/TCP on node kube-node1',
      'backends: none',
      'masquerade: no',
    ]);
  });
});
