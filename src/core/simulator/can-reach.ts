import type { IPFamily } from '../model/index.js';
import type { FamilyAddress, FirewallPlan } from '../plan/index.js';
import { checkDirection } from './direction-check.js';
import { FirewallPlanIndex, type PlacedPod } from './firewall-plan-index.js';
import { checkPort, checkProtocol } from './query-validation.js';
import type { FamilyReach, ReachQuery, ReachResult } from './reach-query.js';

const FAMILY_ORDER: readonly IPFamily[] = ['IPv4', 'IPv6'];

function addressOf(ips: readonly FamilyAddress[], family: IPFamily): string | undefined {
  return ips.find((address) => address.family === family)?.ip;
}

function ipsText(ips: readonly FamilyAddress[]): string {
  return ips.length === 0 ? 'no IP' : ips.map((address) => address.ip).join(', ');
}

function reachForFamily(source: PlacedPod, destination: PlacedPod, family: IPFamily, query: ReachQuery): FamilyReach | undefined {
  const fromIP = addressOf(source.pod.ips, family);
  const toIP = addressOf(destination.pod.ips, family);
  if (fromIP === undefined || toIP === undefined) return undefined;
  const common = { family, destinationIP: toIP, port: query.port, protocol: query.protocol };
  const egress = checkDirection(source, 'egress', { ...common, peerIP: toIP });
  const ingress = checkDirection(destination, 'ingress', { ...common, peerIP: fromIP });
  return { family, fromIP, toIP, allowed: egress.allowed && ingress.allowed, egress, ingress };
}

function familyLines(query: ReachQuery, reach: FamilyReach): string[] {
  return [
    `${reach.family}: ${query.from} ${reach.fromIP} → ${query.to} ${reach.toIP} ${query.protocol}/${query.port}: ${reach.allowed ? 'allowed' : 'denied'}`,
    `  ${reach.egress.explain}`,
    `  ${reach.ingress.explain}`,
  ];
}

/**
 * {@link canReach} over an index built once, for callers asking many questions of the same
 * plans (a matrix).
 * @internal
 */
export function canReachIndexed(index: FirewallPlanIndex, query: ReachQuery): ReachResult {
  checkPort(query.port);
  checkProtocol(query.protocol);
  const source = index.find(query.from, 'from');
  const destination = index.find(query.to, 'to');
  if (query.from === query.to) {
    return { allowed: true, explain: [`${query.from} to itself: always allowed, the traffic never leaves the pod`], families: [] };
  }
  const families = FAMILY_ORDER.map((family) => reachForFamily(source, destination, family, query)).filter(
    (reach): reach is FamilyReach => reach !== undefined,
  );
  const first = families[0];
  if (first === undefined) {
    return {
      allowed: false,
      explain: [
        `${query.from} (${ipsText(source.pod.ips)}) and ${query.to} (${ipsText(destination.pod.ips)}) have no IP family in common: no packet can pass`,
      ],
      families: [],
    };
  }
  const explain = families.flatMap((reach) => familyLines(query, reach));
  if (families.length > 1) {
    const agree = families.every((reach) => reach.allowed === first.allowed);
    explain.push(
      agree
        ? `every family both pods have gives the same answer: ${first.allowed ? 'allowed' : 'denied'}`
        : `the families disagree; the answer is ${first.family}'s, the first family both pods have (each packet is checked in its own family)`,
    );
  }
  return { allowed: first.allowed, explain, families };
}

/**
 * Can pod `query.from` open a connection to pod `query.to` on `query.port`/`query.protocol`,
 * under the NetworkPolicies the plans carry? Reads only plan fields; the semantics are
 * {@link FirewallPlan}'s:
 *
 * - egress is checked with the plan that lists the source pod, ingress with the plan that
 *   lists the destination pod (they are the same plan when both pods share a node);
 * - a pod no policy isolates in a direction passes that direction; an isolated one passes
 *   only what a rule of one of its isolating policies allows (first match reported, in
 *   policy key order then rule order);
 * - a pod reaching itself is always allowed (its traffic never leaves it);
 * - peers are matched by address against peer sets of the packet's family (pod sets and
 *   ipBlocks alike, so ipBlocks match pod IPs); ports by protocol and `port`..`endPort`, named
 *   ports also by the destination being in one of the match's `podSets`.
 *
 * Families: Kubernetes checks each packet in its own family, so a dual-stack pair can be
 * allowed over IPv4 and denied over IPv6. The result has one {@link FamilyReach} per family
 * both pods have, each in `explain`; `allowed` is the first one's (IPv4 when both pods have
 * it), the family a client resolving the pod's first address would use. Pods with no family in
 * common cannot reach each other.
 *
 * The plan's allowance for traffic from the node's own addresses never applies here: both ends
 * are pods, and pods with the node's address (hostNetwork) are in no plan.
 *
 * @param plans the firewall plans of the nodes running the two pods (more are fine)
 * @throws SimulationQueryError when a pod is in no plan, or the port or protocol is invalid
 */
export function canReach(plans: readonly FirewallPlan[], query: ReachQuery): ReachResult {
  return canReachIndexed(new FirewallPlanIndex(plans), query);
}
