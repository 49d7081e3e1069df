import type { NetworkPolicy, NetworkPolicyRule, Pod } from '../../model/index.js';
import type { FirewallRulePlan, PeerMatch, PodAddressSet, PolicyPlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { compareText } from '../common/addresses.js';
import { blockContains } from './ip-blocks.js';
import { selectPeerPods } from './peer-pods.js';
import { portNameKey } from './pod-port-names.js';
import { resolveRulePorts, type PortResolution, type RulePosition } from './port-matches.js';
import { cidrSetOf, selectorSetsOf, type SharedSetDefinition } from './set-definitions.js';

/** What resolving the named ports of egress rules needs from the planner's indexes. */
export interface RuleContext {
  readonly snapshot: ClusterSnapshot;
  /** Policy pods with an address inside `cidr`. */
  podsInCidr(cidr: string): readonly Pod[];
  /** Policy pods declaring the named port. */
  podsDeclaring(name: string, protocol: Pod['containers'][number]['ports'][number]['protocol']): readonly Pod[];
}

/** One policy planned for this node: its fragment and the sets it refers to. */
export interface PlannedPolicy {
  readonly fragment: PolicyPlan;
  /** Definitions of the shared sets its rules refer to (members come from the cluster). */
  readonly sharedSets: readonly SharedSetDefinition[];
  /** Its own named-port sets, with their members. */
  readonly namedPortSets: readonly PodAddressSet[];
  /** `name/PROTOCOL` of the named ports its egress rules use: pods declaring them may change its sets. */
  readonly egressPortNames: readonly string[];
}

const NOTHING: PeerMatch = Object.freeze({ any: false, sets: Object.freeze([]) });

/**
 * Plans one policy as it applies to `targets`, the local pods it selects (sorted by key).
 * Rules are planned only for the directions in the policy's effective `policyTypes`: ingress
 * rules of a policy whose explicit types are `[Egress]` are ignored, as Kubernetes ignores
 * them. Rules keep the policy's order. Named ports of ingress rules resolve on the targets
 * (the destinations); those of egress rules on the pods the rule's peers cover: the selected
 * pods, the pods with an address in an ipBlock (outside its holes), or every pod when the rule
 * has no peers.
 */
export function planPolicy(context: RuleContext, policy: NetworkPolicy, targets: readonly Pod[]): PlannedPolicy {
  const shared = new Map<string, SharedSetDefinition>();
  const named: PodAddressSet[] = [];
  const egressPortNames = new Set<string>();
  const plan = (rule: NetworkPolicyRule, position: RulePosition, destinations: readonly Pod[]): FirewallRulePlan => {
    const ports = resolveRulePorts(rule.ports, destinations, position);
    if (ports.kind === 'no-port') return { peers: NOTHING, ports: [] };
    if (ports.kind === 'some-ports') named.push(...ports.sets);
    return { peers: peerMatch(policy, rule, shared), ports: portList(ports) };
  };
  const ingress = policy.policyTypes.includes('Ingress')
    ? policy.ingress.map((rule, index) => plan(rule, { policyKey: policy.key, direction: 'ingress', index }, targets))
    : [];
  const egress = policy.policyTypes.includes('Egress')
    ? policy.egress.map((rule, index) => {
        const names = rule.ports.filter((port) => typeof port.port === 'string');
        for (const port of names) egressPortNames.add(portNameKey(port.port as string, port.protocol));
        const destinations = names.length > 0 ? egressDestinations(context, policy, rule) : [];
        return plan(rule, { policyKey: policy.key, direction: 'egress', index }, destinations);
      })
    : [];
  return {
    fragment: {
      key: policy.key,
      policyTypes: [...policy.policyTypes],
      ingress,
      egress,
    },
    sharedSets: [...shared.values()],
    namedPortSets: named,
    egressPortNames: [...egressPortNames].sort(compareText),
  };
}

function portList(ports: PortResolution): FirewallRulePlan['ports'] {
  return ports.kind === 'some-ports' ? ports.matches : [];
}

/** A rule's peers as set references; records the sets' definitions in `shared`. */
function peerMatch(policy: NetworkPolicy, rule: NetworkPolicyRule, shared: Map<string, SharedSetDefinition>): PeerMatch {
  if (rule.peers.length === 0) return { any: true };
  const ids = new Set<string>();
  for (const peer of rule.peers) {
    const definitions = peer.ipBlock !== undefined ? [cidrSetOf(peer.ipBlock)] : selectorSetsOf(policy, peer);
    for (const definition of definitions) {
      shared.set(definition.id, definition);
      ids.add(definition.id);
    }
  }
  return { any: false, sets: [...ids].sort(compareText) };
}

/** The pods an egress rule's peers cover, for resolving its named ports. */
function egressDestinations(context: RuleContext, policy: NetworkPolicy, rule: NetworkPolicyRule): Pod[] {
  const found = new Map<string, Pod>();
  if (rule.peers.length === 0) {
    for (const port of rule.ports) {
      if (typeof port.port !== 'string') continue;
      for (const pod of context.podsDeclaring(port.port, port.protocol)) found.set(pod.key, pod);
    }
  }
  for (const peer of rule.peers) {
    const block = peer.ipBlock;
    const pods =
      block === undefined
        ? selectPeerPods(context.snapshot, policy, peer)
        : context.podsInCidr(block.cidr).filter((pod) => pod.podIPs.some((ip) => blockContains(block, ip)));
    for (const pod of pods) found.set(pod.key, pod);
  }
  return [...found.values()].sort((a, b) => compareText(a.key, b.key));
}
