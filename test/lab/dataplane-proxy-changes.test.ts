import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { planServices } from '../../src/core/planner/index.js';
import { tracePacket } from '../../src/core/simulator/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { dataplaneTrace, Lab, routeServiceAddresses, type DataplaneTraceResult } from '../../src/lab/index.js';
import { CLI, skipUnlessBackend, snapshotOf } from './dataplane-helpers.js';
import { skipUnlessRoot } from './root-helpers.js';

const FIXTURES = resolve('test/fixtures/dataplane/proxy-changes');
const fixture = (name: string): string => resolve(FIXTURES, name);
const CLUSTER_CIDRS = ['10.63.1.0/24', '10.63.2.0/24'];
/** The agents' `--service-cluster-ip-range`: covers every cluster IP of the fixture (10.96.63.x). */
const SERVICE_CIDRS = ['10.96.0.0/16'];
const NODES = ['pc-1', 'pc-2'] as const;
const CLIENT = '192.168.63.250';
const WEB = '10.96.63.10';
const GONE = '10.96.63.40';
const W1 = '10.63.1.10:8080';
const W2 = '10.63.2.10:8080';
const W3 = '10.63.2.11:8080';

/** The manifests of each step, in order: the lab starts with the first. */
const STEPS = {
  start: [fixture('cluster.yaml'), fixture('web-w1-w2.yaml'), fixture('gone.yaml')],
  endpointAdded: [fixture('cluster.yaml'), fixture('web-w1-w2-w3.yaml'), fixture('gone.yaml')],
  endpointRemoved: [fixture('cluster.yaml'), fixture('web-w2-w3.yaml'), fixture('gone.yaml')],
  serviceDeleted: [fixture('cluster.yaml'), fixture('web-w2-w3.yaml')],
};

/** Longest wait for the agents' sync after `lab.apply` (they sync within about a second). */
const SYNC_WAIT_MS = 20_000;

/** One proxy sync line of an agent's log (`reconcileLine` of the agent command). */
interface ProxySyncLine {
  readonly text: string;
  readonly mode: 'full' | 'incremental';
  readonly changed: number;
  readonly removed: number;
  readonly lines: number | undefined;
  readonly elements: number | undefined;
}

const SYNC_LINE = /^\S+ (\S+) proxy \((\w+)\): sync ok, (full|incremental)(?: with kernel read)?, (\d+) changed, (\d+) removed, (?:payload (\d+) lines(?: (\d+) elements)?, )?\d+ ms$/;

async function proxySyncLines(lab: Lab, node: string): Promise<ProxySyncLine[]> {
  const path = await lab.agentLog(node);
  assert.ok(path, `the lab keeps no log for the agent of ${node}`);
  const out: ProxySyncLine[] = [];
  for (const text of (await readFile(path, 'utf8')).split('\n')) {
    const match = SYNC_LINE.exec(text);
    if (!match || match[1] !== node) continue;
    out.push({
      text,
      mode: match[3] as ProxySyncLine['mode'],
      changed: Number(match[4]),
      removed: Number(match[5]),
      lines: match[6] === undefined ? undefined : Number(match[6]),
      elements: match[7] === undefined ? undefined : Number(match[7]),
    });
  }
  return out;
}

/**
 * Applies `files` to the lab and resolves with each node's first proxy sync line written
 * after it (polled every 100 ms, at most {@link SYNC_WAIT_MS}); the kernel has the change once
 * the line is there, since the agent logs a sync when it has finished.
 */
async function applyAndWaitForSync(lab: Lab, files: readonly string[]): Promise<{ snapshot: ClusterSnapshot; syncs: Map<string, ProxySyncLine> }> {
  const snapshot = await snapshotOf(files);
  const seen = new Map<string, number>();
  for (const node of NODES) seen.set(node, (await proxySyncLines(lab, node)).length);
  await lab.apply(snapshot, files);
  const deadline = Date.now() + SYNC_WAIT_MS;
  const syncs = new Map<string, ProxySyncLine>();
  while (syncs.size < NODES.length) {
    for (const node of NODES) {
      if (syncs.has(node)) continue;
      const line = (await proxySyncLines(lab, node))[seen.get(node) ?? 0];
      if (line) syncs.set(node, line);
    }
    if (syncs.size === NODES.length) break;
    assert.ok(Date.now() < deadline, `no proxy sync of ${NODES.filter((node) => !syncs.has(node)).join(', ')} within ${SYNC_WAIT_MS} ms of the change`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return { snapshot, syncs };
}

/** The simulator's `--node` answer with the cluster and service CIDRs the lab gives its agents. */
function simulated(snapshot: ClusterSnapshot, node: string, from: string, to: string): { verdict: string; backends: string[]; masquerade: boolean; explain: readonly string[] } {
  const plan = planServices(snapshot, node, { clusterCIDRs: CLUSTER_CIDRS, serviceCIDRs: SERVICE_CIDRS, masqueradeAll: false, nodePortAddresses: [] });
  const result = tracePacket(plan, { from, to, port: 80, protocol: 'TCP' });
  return { verdict: result.verdict, backends: [...result.backends].sort(), masquerade: result.masquerade, explain: result.explain };
}

/**
 * Traces `to`:80 from the client pod of each node (k1 on pc-1, k2 on pc-2), asserts that the
 * lab and the simulator name the same endpoints, and returns the lab's answers.
 * 30 connections: with 3 equally likely endpoints, one never answers with chance 3 * (2/3)^30 < 2e-5.
 */
async function traceFromBothNodes(lab: Lab, snapshot: ClusterSnapshot, to: string): Promise<DataplaneTraceResult[]> {
  const clients = { 'pc-1': '10.63.1.20', 'pc-2': '10.63.2.20' } as const;
  const answers: DataplaneTraceResult[] = [];
  for (const node of NODES) {
    const from = clients[node];
    const found = await dataplaneTrace(lab, { node, from, to, port: 80, protocol: 'tcp', tries: 30 });
    const expected = simulated(snapshot, node, from, to);
    assert.deepEqual(
      { verdict: found.verdict, backends: found.backends, masquerade: found.masquerade },
      { verdict: expected.verdict, backends: expected.backends, masquerade: expected.masquerade },
      `${node} lab: ${found.explain.join(' | ')}\nsimulator: ${expected.explain.join(' | ')}`,
    );
    answers.push(found);
  }
  return answers;
}

/**
 * Asserts each node's sync after a change: incremental, one service port changed (or removed),
 * and a payload within `bound` (derived by hand from the backend's layout, see the steps).
 */
function assertSmallSync(syncs: Map<string, ProxySyncLine>, change: { changed: number; removed: number }, bound: { lines: number; elements?: number }): void {
  for (const node of NODES) {
    const sync = syncs.get(node) as ProxySyncLine;
    assert.equal(sync.mode, 'incremental', sync.text);
    assert.deepEqual({ changed: sync.changed, removed: sync.removed }, change, sync.text);
    assert.ok(sync.lines !== undefined && sync.lines > 0 && sync.lines <= bound.lines, `payload over ${bound.lines} lines: ${sync.text}`);
    if (bound.elements !== undefined) {
      assert.ok(sync.elements !== undefined && sync.elements > 0 && sync.elements <= bound.elements, `payload over ${bound.elements} elements: ${sync.text}`);
    }
    console.log(`      ${sync.text.replace(/^\S+ /, '')}`);
  }
}

/**
 * Hand-derived payload bounds per step and backend, from the layout of the service web
 * (one ClusterIP, endpoints w1 w2 -> w1 w2 w3 -> w2 w3) and gone (one ClusterIP, endpoint w1),
 * beside api (3 endpoints) and np (a NodePort, 2 endpoints) that no step changes.
 */
const BOUNDS = {
  nftables: {
    // Web's dispatch element deleted and re-added (now to the 3-endpoint balancer, which api
    // already uses), 1 endpoint map element added: 3 lines (one per container and verb), 3 elements.
    endpointAdded: { lines: 3, elements: 3 },
    // Endpoint map elements are indexed: all 3 deleted, 2 added; the dispatch element deleted
    // and re-added (to the 2-endpoint balancer np uses): 4 lines, 3 + 2 + 1 + 1 = 7 elements.
    endpointRemoved: { lines: 4, elements: 7 },
    // Gone's endpoint and dispatch elements deleted (2 lines, 2 elements); its 1-endpoint
    // balancer, used by no other port, flushed and deleted (2 lines).
    serviceDeleted: { lines: 4, elements: 2 },
  },
  iptables: {
    // `*nat`, the declarations of web's service chain (rewritten) and of w3's new endpoint
    // chain, the service chain's masquerade rule and 3 endpoint rules, w3's 2 rules, `COMMIT`:
    // 1 + 2 + 4 + 2 + 1 = 10. The dispatch chains are not rewritten: web's dispatch rule is unchanged.
    endpointAdded: { lines: 10 },
    // `*nat`, web's service chain and w1's endpoint chain declared (the latter to flush it), the
    // service chain's 1 + 2 rules, `-X` of w1's chain, `COMMIT`: 1 + 2 + 3 + 1 + 1 = 8.
    endpointRemoved: { lines: 8 },
    // `*nat`, KR-SERVICES and gone's 2 chains declared, KR-SERVICES rewritten whole (gone's
    // dispatch rule goes): 3 ClusterIP rules (api, np, web) and the node ports jump; `-X` of
    // gone's 2 chains, `COMMIT`: 1 + 3 + 4 + 2 + 1 = 11. The rewrite of KR-SERVICES grows
    // with the number of services: a service deleted is not constant-size on iptables.
    serviceDeleted: { lines: 11 },
  },
} as const;

for (const backend of ['nftables', 'iptables'] as const) {
  describe(`dataplane: the ${backend} service proxy follows changes while the agents run (root)`, function () {
    this.timeout(60_000);
    let lab: Lab | undefined;
    before(async function () {
      this.timeout(120_000);
      skipUnlessRoot(this);
      await skipUnlessBackend(this, 'proxy', backend);
      const snapshot = await snapshotOf(STEPS.start);
      lab = await Lab.up(snapshot, {
        clientAddress: CLIENT,
        agents: {
          command: CLI, manifests: STEPS.start, routeBackend: 'netlink', overlayEncap: 'vxlan',
          runRouter: true, runServiceProxy: true, proxyBackend: backend, clusterCIDRs: CLUSTER_CIDRS,
          serviceClusterIPRanges: SERVICE_CIDRS,
        },
      });
      // As `simulate --dataplane` does: the node routes a real node's default route would give.
      await routeServiceAddresses(lab, snapshot);
    });
    after(async function () {
      this.timeout(60_000);
      await lab?.down();
    });

    it('at start: web is answered by w1 and w2, gone by w1, as the simulator says; the first sync was full', async () => {
      const snapshot = await snapshotOf(STEPS.start);
      for (const found of await traceFromBothNodes(lab as Lab, snapshot, WEB)) assert.deepEqual(found.backends, [W1, W2]);
      for (const found of await traceFromBothNodes(lab as Lab, snapshot, GONE)) assert.deepEqual(found.backends, [W1]);
      for (const node of NODES) assert.equal((await proxySyncLines(lab as Lab, node))[0]?.mode, 'full');
    });

    it(`an endpoint added (w3 to web): w3 receives traffic, as the simulator says; the sync wrote only web (at most ${BOUNDS[backend].endpointAdded.lines} lines)`, async () => {
      const { snapshot, syncs } = await applyAndWaitForSync(lab as Lab, STEPS.endpointAdded);
      for (const found of await traceFromBothNodes(lab as Lab, snapshot, WEB)) assert.deepEqual(found.backends, [W1, W2, W3]);
      assertSmallSync(syncs, { changed: 1, removed: 0 }, BOUNDS[backend].endpointAdded);
    });

    it(`an endpoint removed (w1 from web): w1 no longer receives traffic, as the simulator says; the sync wrote only web (at most ${BOUNDS[backend].endpointRemoved.lines} lines)`, async () => {
      const { snapshot, syncs } = await applyAndWaitForSync(lab as Lab, STEPS.endpointRemoved);
      for (const found of await traceFromBothNodes(lab as Lab, snapshot, WEB)) assert.deepEqual(found.backends, [W2, W3]);
      assertSmallSync(syncs, { changed: 1, removed: 0 }, BOUNDS[backend].endpointRemoved);
    });

    it(`a service deleted (gone): its VIP is refused at once, in the lab as in the simulator (REJECT: in the service CIDR, no service holds it); the sync removed only gone (at most ${BOUNDS[backend].serviceDeleted.lines} lines)`, async () => {
      const { snapshot, syncs } = await applyAndWaitForSync(lab as Lab, STEPS.serviceDeleted);
      for (const node of NODES) {
        const from = node === 'pc-1' ? '10.63.1.20' : '10.63.2.20';
        const found = await dataplaneTrace(lab as Lab, { node, from, to: GONE, port: 80, protocol: 'tcp', tries: 3 });
        const expected = simulated(snapshot, node, from, GONE);
        // Once no service holds the address, the proxy's service CIDR rule refuses it (TCP reset).
        assert.deepEqual(
          { verdict: found.verdict, backends: found.backends },
          { verdict: expected.verdict, backends: expected.backends },
          `${node} lab: ${found.explain.join(' | ')}\nsimulator: ${expected.explain.join(' | ')}`,
        );
        assert.equal(found.verdict, 'REJECT', found.explain.join(' | '));
        assert.ok(found.explain.includes('every connection was refused at once'), found.explain.join(' | '));
        assert.ok(expected.explain.includes(`${GONE} is in the service CIDR 10.96.0.0/16 but no service holds ${GONE}:80/TCP: rejected`), expected.explain.join(' | '));
      }
      assertSmallSync(syncs, { changed: 0, removed: 1 }, BOUNDS[backend].serviceDeleted);
    });
  });
}
