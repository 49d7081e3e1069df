import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { healthCheckTargets } from '../../src/agent/health-check-server.js';
import { planServices } from '../../src/core/planner/index.js';
import { tracePacket } from '../../src/core/simulator/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { dataplaneTrace, Lab, routeServiceAddresses, traceTriesFor, type DataplaneTraceResult, type LabProtocol } from '../../src/lab/index.js';
import { CLI, skipUnlessBackend, snapshotOf } from './dataplane-helpers.js';
import { getHealthCheck } from './health-check-http.js';
import { skipUnlessRoot } from './root-helpers.js';

/** cluster.yaml (nodes, pods, the first services) and the files beside it (the cases below). */
const CLUSTER = resolve('test/fixtures/dataplane/proxy');
const CLUSTER_CIDRS = ['10.62.1.0/24', '10.62.2.0/24'];
const CLIENT = '192.168.62.250';
const PX1 = '192.168.62.11';
const PX2 = '192.168.62.12';
const W1 = '10.62.1.10:8080';
const W2 = '10.62.2.10:8080';
const W3 = '10.62.2.11:8080';

interface Case {
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** Default tcp. */
  readonly protocol?: LabProtocol;
}

/** What kube-proxy's semantics say, worked out by hand for a case. */
interface Expected {
  readonly verdict: 'ACCEPT' | 'REJECT' | 'DROP';
  readonly backends: readonly string[];
  readonly masquerade: boolean;
  /** The source addresses the endpoints see, by hand, where masquerade needs more than yes or no. */
  readonly sourcesSeen?: readonly string[];
  /**
   * The lab's masquerade where it cannot see the simulator's: a masquerade to the address the
   * packet already has (node traffic leaving by the node's uplink) changes nothing an endpoint
   * sees, so the lab answers false; `sourcesSeen` then says what the endpoints saw.
   */
  readonly labMasquerade?: boolean;
}

/** The simulator's `--node` answer with the cluster CIDRs the lab gives its agents. */
function simulated(snapshot: ClusterSnapshot, query: Case): { verdict: string; backends: string[]; masquerade: boolean; explain: readonly string[] } {
  const plan = planServices(snapshot, query.node, { clusterCIDRs: CLUSTER_CIDRS, masqueradeAll: false, nodePortAddresses: [] });
  const result = tracePacket(plan, { from: query.from, to: query.to, port: query.port, protocol: query.protocol === 'udp' ? 'UDP' : 'TCP' });
  return { verdict: result.verdict, backends: [...result.backends].sort(), masquerade: result.masquerade, explain: result.explain };
}

/**
 * The cases beyond the first ones, each with kube-proxy's answer worked out by hand (the
 * comment says why; chain names are kube-proxy's iptables ones). The test checks the simulator
 * against that answer, then the kernel against the simulator. Traces through px-1 or px-2 are
 * handled by that node's proxy (the client's route to a VIP goes via `node`).
 */
const HAND_CASES: readonly { readonly title: string; readonly query: Case; readonly expected: Expected }[] = [
  // ext: type ClusterIP with an external IP, externalTrafficPolicy Cluster. KUBE-EXT marks
  // every packet for masquerade (the endpoint may be on another node), then KUBE-SVC balances
  // over every ready endpoint: w1 and w2.
  { title: 'ExternalIP from the outside client, policy Cluster: both endpoints, masqueraded',
    query: { node: 'px-1', from: CLIENT, to: '10.97.62.20', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1, W2], masquerade: true } },
  // local-lb's external IP, externalTrafficPolicy Local: from outside, KUBE-EXT goes to KUBE-SVL
  // (px-1's endpoints: w1) and marks nothing, so w1 sees the client's own address.
  { title: 'ExternalIP from the outside client, policy Local: the local endpoint, client address kept',
    query: { node: 'px-1', from: CLIENT, to: '10.97.62.22', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1], masquerade: false } },
  // lb-open: source range 192.168.62.0/24 holds the client; KUBE-FW sends it on to KUBE-EXT
  // (policy Cluster: masquerade, both endpoints).
  { title: 'LoadBalancer IP from a source inside loadBalancerSourceRanges (the client): both endpoints, masqueraded',
    query: { node: 'px-1', from: CLIENT, to: '10.98.62.21', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1, W2], masquerade: true } },
  // The same load balancer IP from pod k1 (10.62.1.20, outside 192.168.62.0/24): pods get no
  // exemption from the ranges, KUBE-FW ends in a drop. Were the ranges not programmed the packet
  // would be DNATed (the frontend takes every source), so the drop is the ranges' doing.
  { title: 'LoadBalancer IP from a source outside loadBalancerSourceRanges (a pod): dropped',
    query: { node: 'px-1', from: '10.62.1.20', to: '10.98.62.21', port: 80 },
    expected: { verdict: 'DROP', backends: [], masquerade: false } },
  // lb-closed is lb-open but for its range 10.99.0.0/16: the same client is dropped.
  { title: 'LoadBalancer IP whose only source range excludes the outside client: dropped',
    query: { node: 'px-1', from: CLIENT, to: '10.98.62.29', port: 80 },
    expected: { verdict: 'DROP', backends: [], masquerade: false } },
  // local-lb, externalTrafficPolicy Local, endpoints w1 (px-1), w2 and w3 (px-2): a NodePort
  // from outside goes to KUBE-SVL of the node it arrives at, unmasqueraded.
  { title: 'NodePort, policy Local, from outside on px-1: only its local endpoint, client address kept',
    query: { node: 'px-1', from: CLIENT, to: PX1, port: 30083 },
    expected: { verdict: 'ACCEPT', backends: [W1], masquerade: false } },
  { title: 'NodePort, policy Local, from outside on px-2: only its local endpoints, client address kept',
    query: { node: 'px-2', from: CLIENT, to: PX2, port: 30083 },
    expected: { verdict: 'ACCEPT', backends: [W2, W3], masquerade: false } },
  { title: 'LoadBalancer IP, policy Local, from outside via px-2: only its local endpoints, client address kept',
    query: { node: 'px-2', from: CLIENT, to: '10.98.62.22', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W2, W3], masquerade: false } },
  // local-one's only endpoint is w2 on px-2: px-1 has no local endpoint, and kube-proxy drops
  // external traffic there ("has no local endpoints"), without a refusal.
  { title: 'NodePort, policy Local, from outside on a node without local endpoints: dropped',
    query: { node: 'px-1', from: CLIENT, to: PX1, port: 30084 },
    expected: { verdict: 'DROP', backends: [], masquerade: false } },
  // The short circuit: KUBE-EXT sends pod sources (the cluster CIDRs) to KUBE-SVC, the cluster
  // endpoints, so pod k1 reaches local-one through px-1 all the same; KUBE-SVC's masquerade
  // rule is for the cluster IP as destination only, so k1's address is kept.
  { title: 'NodePort, policy Local, from a pod on a node without local endpoints: the short circuit to the cluster endpoints',
    query: { node: 'px-1', from: '10.62.1.20', to: PX1, port: 30084 },
    expected: { verdict: 'ACCEPT', backends: [W2], masquerade: false } },
  // Node traffic (source type LOCAL) takes the short circuit too, marked for masquerade first.
  // w2 is reached over px-1's uplink, whose address is the source already: the masquerade
  // changes nothing an endpoint can see (the next case shows it where it does).
  { title: 'from the node itself to its own NodePort, policy Local, without local endpoints: the short circuit to the cluster endpoints',
    query: { node: 'px-1', from: PX1, to: PX1, port: 30084 },
    expected: { verdict: 'ACCEPT', backends: [W2], masquerade: true, labMasquerade: false, sourcesSeen: [PX1] } },
  // On px-2, which has local endpoints, node traffic still goes to every cluster endpoint; the
  // masquerade shows on w2 and w3, which see px-2's kube-bridge address (10.62.2.1, the address
  // of the interface the packet leaves by), while w1, behind the uplink, sees px-2's own.
  { title: 'from the node itself to its own NodePort, policy Local: all cluster endpoints, not only the local ones, masqueraded',
    query: { node: 'px-2', from: PX2, to: PX2, port: 30083 },
    expected: { verdict: 'ACCEPT', backends: [W1, W2, W3], masquerade: true, sourcesSeen: ['10.62.2.1', PX2] } },
  // Node traffic to a cluster IP: its source (the node's InternalIP) is outside the cluster
  // CIDRs, so KUBE-SVC's `! -s <cluster CIDR> -d <cluster IP>` rule marks it for masquerade.
  { title: 'from the node itself to a ClusterIP: every endpoint, masqueraded (source outside the cluster CIDRs)',
    query: { node: 'px-1', from: PX1, to: '10.96.62.10', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1, W2, W3], masquerade: true } },
  // itl: internalTrafficPolicy Local, endpoints w1 (px-1), w2 and w3 (px-2): the cluster IP goes
  // to KUBE-SVL, the sending pod's node's endpoints only; pod sources are not masqueraded.
  { title: 'ClusterIP, internalTrafficPolicy Local, from a pod on px-1: only the local endpoint',
    query: { node: 'px-1', from: '10.62.1.20', to: '10.96.62.24', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1], masquerade: false } },
  { title: 'ClusterIP, internalTrafficPolicy Local, from a pod on px-2: only the local endpoints',
    query: { node: 'px-2', from: '10.62.2.20', to: '10.96.62.24', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W2, W3], masquerade: false } },
  // itl-remote's only endpoint is on px-2: on px-1 kube-proxy drops cluster IP traffic ("has no
  // local endpoints"; it rejects only when there is no endpoint anywhere).
  { title: 'ClusterIP, internalTrafficPolicy Local, from a pod on a node without local endpoints: dropped',
    query: { node: 'px-1', from: '10.62.1.20', to: '10.96.62.25', port: 80 },
    expected: { verdict: 'DROP', backends: [], masquerade: false } },
  // Hairpin: self's only endpoint is w1. KUBE-SEP's `-s <endpoint IP> -j KUBE-MARK-MASQ` marks
  // w1's packet DNATed back to w1, so w1 sees px-1's kube-bridge address, not its own.
  { title: 'hairpin: an endpoint reaching itself through its service is masqueraded',
    query: { node: 'px-1', from: '10.62.1.10', to: '10.96.62.26', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1], masquerade: true, sourcesSeen: ['10.62.1.1'] } },
  // w1 through web (w1, w2, w3): only the connections balanced back to w1 are masqueraded (w1
  // sees 10.62.1.1); w2 and w3 see w1's own address. The simulator's `true` means "may be".
  { title: 'hairpin among other endpoints: only the connections balanced back to the sender are masqueraded',
    query: { node: 'px-1', from: '10.62.1.10', to: '10.96.62.10', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1, W2, W3], masquerade: true, sourcesSeen: ['10.62.1.1', '10.62.1.10'] } },
  // term-only: nothing ready; w2 serving and terminating, w3 terminating and not serving.
  // kube-proxy falls back to the serving-terminating endpoints when none is ready: w2 only.
  { title: 'terminating fallback: with no ready endpoint, the serving terminating one answers',
    query: { node: 'px-1', from: '10.62.1.20', to: '10.96.62.27', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W2], masquerade: false } },
  // term-mixed: w1 ready, w3 serving and terminating: the fallback is not needed, so only w1,
  // even from px-2 where w3 is local.
  { title: 'terminating endpoints beside a ready one are not used',
    query: { node: 'px-2', from: '10.62.2.20', to: '10.96.62.28', port: 80 },
    expected: { verdict: 'ACCEPT', backends: [W1], masquerade: false } },
  // dns: UDP 53 to target port 5353 on w1 and w2; each probe is a new socket (a new conntrack
  // entry), balanced like TCP; a pod source is not masqueraded.
  { title: 'UDP ClusterIP from a pod: balanced over both endpoints',
    query: { node: 'px-1', from: '10.62.1.20', to: '10.96.62.30', port: 53, protocol: 'udp' },
    expected: { verdict: 'ACCEPT', backends: ['10.62.1.10:5353', '10.62.2.10:5353'], masquerade: false } },
];

/**
 * The health check node ports of the Local load balancers, by hand: local-lb has w1 on px-1,
 * w2 and w3 on px-2; local-one only w2 on px-2. kube-proxy answers 200 with the count of local
 * endpoints, 503 with 0.
 */
const HEALTH_CHECKS: readonly { readonly service: string; readonly node: string; readonly address: string; readonly port: number; readonly status: number; readonly localEndpoints: number }[] = [
  { service: 'local-lb', node: 'px-1', address: PX1, port: 32083, status: 200, localEndpoints: 1 },
  { service: 'local-lb', node: 'px-2', address: PX2, port: 32083, status: 200, localEndpoints: 2 },
  { service: 'local-one', node: 'px-1', address: PX1, port: 32084, status: 503, localEndpoints: 0 },
  { service: 'local-one', node: 'px-2', address: PX2, port: 32084, status: 200, localEndpoints: 1 },
];

/** The source addresses the endpoints saw in a trace, sorted (from its explanation). */
function sourcesSeen(found: DataplaneTraceResult): string[] {
  const prefix = 'sources the endpoints saw: ';
  const line = found.explain.find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? [] : line.slice(prefix.length).split(', ').sort();
}

function sameAnswer(lab: DataplaneTraceResult, simulator: ReturnType<typeof simulated>): void {
  assert.deepEqual(
    { verdict: lab.verdict, backends: lab.backends, masquerade: lab.masquerade },
    { verdict: simulator.verdict, backends: simulator.backends, masquerade: simulator.masquerade },
    `lab: ${lab.explain.join(' | ')}\nsimulator: ${simulator.explain.join(' | ')}`,
  );
}

for (const backend of ['nftables', 'iptables'] as const) {
  describe(`dataplane: the ${backend} service proxy in the lab answers as the simulator (root)`, function () {
    this.timeout(60_000);
    let lab: Lab | undefined;
    let snapshot: ClusterSnapshot;
    before(async function () {
      this.timeout(120_000);
      skipUnlessRoot(this);
      await skipUnlessBackend(this, 'proxy', backend);
      snapshot = await snapshotOf([CLUSTER]);
      lab = await Lab.up(snapshot, {
        clientAddress: CLIENT,
        agents: {
          command: CLI, manifests: [CLUSTER], routeBackend: 'netlink', overlayEncap: 'vxlan',
          runRouter: true, runServiceProxy: true, proxyBackend: backend, clusterCIDRs: CLUSTER_CIDRS,
        },
      });
      // As `simulate --dataplane` does: the node routes a real node's default route would give.
      await routeServiceAddresses(lab, snapshot);
    });
    after(async function () {
      this.timeout(60_000);
      await lab?.down();
    });

    const cases: [string, Case][] = [
      ['ClusterIP from a pod, balanced over endpoints on its node and the other', { node: 'px-1', from: '10.62.1.20', to: '10.96.62.10', port: 80 }],
      ['ClusterIP from a pod on the other node', { node: 'px-2', from: '10.62.2.20', to: '10.96.62.10', port: 80 }],
      ['NodePort from the outside client (masqueraded)', { node: 'px-1', from: CLIENT, to: '192.168.62.11', port: 30080 }],
      ['a service without endpoints: refused at once', { node: 'px-1', from: '10.62.1.20', to: '10.96.62.11', port: 80 }],
      ['a pod IP, no service: the destination itself answers', { node: 'px-1', from: '10.62.1.20', to: '10.62.2.10', port: 8080 }],
    ];
    for (const [title, query] of cases) {
      it(`${title}: the lab's answer equals the simulator's`, async () => {
        sameAnswer(await dataplaneTrace(lab as Lab, { ...query, protocol: 'tcp' }), simulated(snapshot, query));
      });
    }

    it('balancing: every endpoint answers over 200 connections, none under a tenth (checked by hand: 3 endpoints, 1/3 each)', async () => {
      const found = await dataplaneTrace(lab as Lab, { node: 'px-1', from: '10.62.1.20', to: '10.96.62.10', port: 80, protocol: 'tcp', tries: 200 });
      assert.deepEqual(found.backends, ['10.62.1.10:8080', '10.62.2.10:8080', '10.62.2.11:8080']);
      const counts = (found.explain[1] ?? '').match(/:8080 (\d+)/g)?.map((entry) => Number(entry.split(' ')[1])) ?? [];
      assert.equal(counts.reduce((sum, count) => sum + count, 0), 200, found.explain.join(' | '));
      // Binomial(200, 1/3): below 20 is more than 6 standard deviations off.
      assert.ok(counts.every((count) => count >= 20), found.explain.join(' | '));
    });

    for (const { title, query, expected } of HAND_CASES) {
      it(`${title} (simulator checked by hand, the lab's answer equals it)`, async () => {
        const simulator = simulated(snapshot, query);
        const { verdict, backends, masquerade } = expected;
        assert.deepEqual(
          { verdict: simulator.verdict, backends: simulator.backends, masquerade: simulator.masquerade },
          { verdict, backends: [...backends].sort(), masquerade },
          `simulator: ${simulator.explain.join(' | ')}`,
        );
        const tries = traceTriesFor(backends.length);
        const found = await dataplaneTrace(lab as Lab, { ...query, protocol: query.protocol ?? 'tcp', tries });
        sameAnswer(found, { ...simulator, masquerade: expected.labMasquerade ?? simulator.masquerade });
        if (expected.sourcesSeen !== undefined) {
          assert.deepEqual(sourcesSeen(found), [...expected.sourcesSeen].sort(), found.explain.join(' | '));
        }
        // A drop times out: an ICMP error instead would be a routing failure, not the proxy's drop.
        if (expected.verdict === 'DROP') assert.match(found.explain.at(-1) ?? '', /^no answer: \d+ timeout$/, found.explain.join(' | '));
      });
    }

    for (const check of HEALTH_CHECKS) {
      it(`health check node port of ${check.service} on ${check.node}: HTTP ${check.status}, ${check.localEndpoints} local endpoints (by hand, and as planned)`, async () => {
        const body = { service: { namespace: 'app', name: check.service }, localEndpoints: check.localEndpoints };
        const plan = planServices(snapshot, check.node, { clusterCIDRs: CLUSTER_CIDRS, masqueradeAll: false, nodePortAddresses: [] });
        assert.deepEqual(healthCheckTargets(plan).get(check.port), { ...body.service, localEndpoints: check.localEndpoints });
        const answer = await getHealthCheck(lab as Lab, 'client', check.address, check.port);
        assert.deepEqual(answer, { status: check.status, body });
      });
    }

    it('ClientIP session affinity: one endpoint answers every connection, one of the simulator\'s backends', async () => {
      const query = { node: 'px-1', from: '10.62.1.20', to: '10.96.62.12', port: 80 };
      const found = await dataplaneTrace(lab as Lab, { ...query, protocol: 'tcp', tries: 20 });
      const expected = simulated(snapshot, query);
      assert.equal(found.verdict, 'ACCEPT');
      assert.equal(found.backends.length, 1, found.explain.join(' | '));
      assert.ok(expected.backends.includes(found.backends[0] as string), found.backends[0]);
      // The simulator lists every possible endpoint and says the first choice sticks.
      assert.ok(expected.explain.some((line) => line.includes('session affinity ClientIP')), expected.explain.join(' | '));
    });
  });
}
