import type { NetworkPolicy, NetworkPolicyRule, Pod } from '../../model/index.js';
import type { FirewallRulePlan, PeerMatch } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { sortedUniqueAddresses } from '../common/addresses.js';
import { blockContains, planCidrMatches } from './ip-blocks.js';
import { selectPeerPods } from './peer-pods.js';
import { isPolicyPod } from './policy-pods.js';
import { resolveRulePorts, type PortResolution } from './port-matches.js';

/** A peer match no traffic satisfies. */
const NO_PEER: PeerMatch = Object.freeze({ any: false, podIPs: Object.freeze([]), cidrs: Object.freeze([]) });

/**
 * One ingress rule of `policy`, resolved. Peers are the sources; named ports are resolved
 * against `targets`, the policy's local target pods, since they are the destinations.
 */
export function planIngressRule(
  snapshot: ClusterSnapshot,
  policy: NetworkPolicy,
  rule: NetworkPolicyRule,
  targets: readonly Pod[],
): FirewallRulePlan {
  const { match } = resolvePeers(snapshot, policy, rule);
  return assembleRule(match, resolveRulePorts(rule.ports, targets));
}

/**
 * One egress rule of `policy`, resolved. Peers are the destinations, so named ports are
 * resolved against the pods the peers cover: the selected pods, the pods whose IP falls in an
 * ipBlock (outside its holes), or every pod when the rule has no peers.
 */
export function planEgressRule(
  snapshot: ClusterSnapshot,
  policy: NetworkPolicy,
  rule: NetworkPolicyRule,
): FirewallRulePlan {
  const { match, selectedPods } = resolvePeers(snapshot, policy, rule);
  const hasNamedPort = rule.ports.some((port) => typeof port.port === 'string');
  const destinations = hasNamedPort ? destinationPods(snapshot, rule, selectedPods) : [];
  return assembleRule(match, resolveRulePorts(rule.ports, destinations));
}

/**
 * A rule's peers as a match: `any` for a rule without peers; otherwise the IPs of the pods the
 * selector peers select (ORed across peers) and the ipBlocks.
 */
function resolvePeers(
  snapshot: ClusterSnapshot,
  policy: NetworkPolicy,
  rule: NetworkPolicyRule,
): { match: PeerMatch; selectedPods: Pod[] } {
  if (rule.peers.length === 0) return { match: { any: true }, selectedPods: [] };
  const selectedPods = rule.peers.flatMap((peer) => selectPeerPods(snapshot, policy, peer));
  const blocks = rule.peers.flatMap((peer) => (peer.ipBlock === undefined ? [] : [peer.ipBlock]));
  return {
    match: {
      any: false,
      podIPs: sortedUniqueAddresses(selectedPods.flatMap((pod) => pod.podIPs)),
      cidrs: planCidrMatches(blocks),
    },
    selectedPods,
  };
}

/** The pods an egress rule's peers cover, for resolving named ports. */
function destinationPods(snapshot: ClusterSnapshot, rule: NetworkPolicyRule, selectedPods: readonly Pod[]): Pod[] {
  if (rule.peers.length === 0) return snapshot.pods().filter(isPolicyPod);
  const blocks = rule.peers.flatMap((peer) => (peer.ipBlock === undefined ? [] : [peer.ipBlock]));
  if (blocks.length === 0) return [...selectedPods];
  const inBlocks = snapshot
    .pods()
    .filter((pod) => isPolicyPod(pod) && pod.podIPs.some((ip) => blocks.some((block) => blockContains(block, ip))));
  return [...new Set([...selectedPods, ...inBlocks])];
}

/**
 * Puts peers and ports together. Ports listed but none resolved means the rule allows
 * nothing: it stays in place (rule positions keep matching the policy's) with a peer match
 * that nothing satisfies, since empty `ports` in a plan means every port.
 */
function assembleRule(peers: PeerMatch, ports: PortResolution): FirewallRulePlan {
  switch (ports.kind) {
    case 'all-ports':
      return { peers, ports: [] };
    case 'some-ports':
      return { peers, ports: ports.matches };
    case 'no-port':
      return { peers: NO_PEER, ports: [] };
  }
}
