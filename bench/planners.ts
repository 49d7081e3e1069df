/**
 * The planners at the Kubernetes scalability envelope: how long one node's route, proxy and
 * firewall plans take over a snapshot of 150,000 pods, 10,000 services (100,000 endpoints) and
 * 1,000 policies. Planning runs on every reconcile, so it is a hot path of the agent.
 *
 * `node --expose-gc --import tsx bench/planners.ts`.
 */
import { planFirewall, planRoutes, planServices } from '../src/core/planner/index.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { ENVELOPE, generateCluster } from './cluster-generator.js';
import { median, ms, printTable, timed } from './measure.js';

const ROUNDS = 3;

function medianOf(run: () => unknown): number {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) times.push(timed(run).ms);
  return median(times);
}

const store = new ClusterStore();
store.batch(() => {
  for (const object of generateCluster(ENVELOPE)) store.upsert(object);
});
store.synced();
const snapshot = store.snapshot();
// Warm the snapshot's lazy lists, so the first planner does not pay for them.
snapshot.pods();
snapshot.services();

const node = 'node-0';
const options = { clusterCIDRs: ['10.0.0.0/8'] };
const services = planServices(snapshot, node, options);
const firewall = planFirewall(snapshot, node);
const routes = planRoutes(snapshot, node, options);
const endpoints = services.servicePorts.values().reduce((sum, port) => sum + port.clusterEndpoints.length, 0);
const peerIPs = firewall.peerSets.values().reduce((sum, set) => sum + (set.kind === 'pods' ? set.addresses.length : 0), 0);

const serviceMs = medianOf(() => planServices(snapshot, node, options));
const firewallMs = medianOf(() => planFirewall(snapshot, node));
const routeMs = medianOf(() => planRoutes(snapshot, node, options));
printTable(`Planners for one node at the envelope (median of ${ROUNDS})`, [
  ['planServices: service ports / endpoints planned', `${services.servicePorts.size} / ${endpoints}`],
  ['planServices', ms(serviceMs)],
  ['planServices per service port', ms(serviceMs / services.servicePorts.size)],
  ['planFirewall: policies / peer sets / peer IPs in them', `${firewall.policies.size} / ${firewall.peerSets.size} / ${peerIPs}`],
  ['planFirewall', ms(firewallMs)],
  ['planRoutes: routes', String(routes.routes.size)],
  ['planRoutes', ms(routeMs)],
]);
