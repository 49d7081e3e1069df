import type { IPFamily, PolicyType, Protocol } from '../model/index.js';
import type { FragmentMap } from './fragment-map.js';
import type { FamilyAddress } from './proxy-plan.js';

/**
 * A named set of peers, of one family, that rules refer to by their `id`: an ipset
 * or an nft set in a kernel backend.
 *
 * Ids are stable: they are derived from what defines the set (a selector pair in a namespace
 * context, an ipBlock, a policy's named port), never from its members. So a pod relabelled,
 * added or removed changes the members of the sets it enters or leaves, and no set name and no
 * rule. Two policies with the same peer share one set. Ids hold user data (label values, CIDRs)
 * as text: backends hash them into kernel names and never paste them into a payload.
 */
export type PeerSet = PodAddressSet | CidrSet;

/** The addresses of the pods a peer's selectors select (or a policy's named-port targets). */
export interface PodAddressSet {
  readonly id: string;
  readonly kind: 'pods';
  readonly family: IPFamily;
  /** Sorted numerically, distinct. */
  readonly addresses: readonly string[];
}

/**
 * One ipBlock: addresses inside `cidr` and outside every `except` (each except lies inside
 * `cidr`; conversion refuses others). An ipset `hash:net` with the excepts as `nomatch`
 * entries, or an nft interval set, represents it exactly.
 */
export interface CidrSet {
  readonly id: string;
  readonly kind: 'cidrs';
  readonly family: IPFamily;
  readonly cidr: string;
  /** Sorted, distinct. */
  readonly except: readonly string[];
}

/**
 * The peers of one rule: `any` for a rule without peers, otherwise the ids of the peer sets
 * (both families; a backend programming family F takes the sets of family F). Traffic matches
 * when its peer address is in any of the sets (peers are ORed).
 */
export type PeerMatch = { readonly any: true } | { readonly any: false; readonly sets: readonly string[] };

/**
 * One port match; `port`..`endPort` is inclusive, as NetworkPolicy's endPort is. A named port
 * resolves per pod: the match carries the number it resolves to and `podSets`, the sets of the
 * destination pods declaring it (the policy's targets for ingress, the peer pods for egress);
 * it matches only traffic to those pods on that number.
 */
export interface PortMatch {
  readonly protocol: Protocol;
  /** Undefined: every port of the protocol. */
  readonly port?: number | undefined;
  readonly endPort?: number | undefined;
  /** For a resolved named port: ids of the sets of destination pods it applies to. */
  readonly podSets?: readonly string[] | undefined;
}

/**
 * One allow rule: traffic matching any peer AND any port is allowed. A rule that allows
 * nothing (its named ports resolve nowhere) keeps its place with `{ any: false, sets: [] }`.
 */
export interface FirewallRulePlan {
  readonly peers: PeerMatch;
  /** Empty: every port and protocol. */
  readonly ports: readonly PortMatch[];
}

/**
 * One NetworkPolicy as it applies to the pods of this node. Which pods it isolates is in the
 * pods' fragments (`PodFirewall.ingressPolicies`), not here: a pod joining or leaving a
 * policy's selection changes that pod's fragment, never the policy's.
 */
export interface PolicyPlan {
  /** `namespace/name` of the policy. */
  readonly key: string;
  readonly policyTypes: readonly PolicyType[];
  /** Rules, in the policy's order; empty for a direction the policy does not isolate. */
  readonly ingress: readonly FirewallRulePlan[];
  readonly egress: readonly FirewallRulePlan[];
}

/** A local pod and the policies that isolate it, per direction. */
export interface PodFirewall {
  /** `namespace/name`. */
  readonly pod: string;
  readonly ips: readonly FamilyAddress[];
  /** Keys of the policies isolating this pod for ingress, sorted; empty: not isolated. */
  readonly ingressPolicies: readonly string[];
  readonly egressPolicies: readonly string[];
}

/**
 * What the firewall programs on one node (NetworkPolicy, networking.k8s.io/v1).
 *
 * Semantics every backend and the simulator follow, so none re-derives them:
 * - Ingress to a pod is enforced on the destination pod's node, egress from a pod on the
 *   source pod's node: a packet between two pods passes the source node's egress check and
 *   the destination node's ingress check. A node plan only lists its own pods.
 * - A pod isolated in a direction accepts, in that direction, only what a rule of one of its
 *   `ingressPolicies` / `egressPolicies` allows (rules of every such policy are ORed); replies
 *   of allowed connections are always allowed (conntrack ESTABLISHED, RELATED).
 * - Traffic from this node itself (any of `nodeAddresses`) to its local pods is allowed,
 *   as kube-router allows it (kubelet health probes).
 * - A pod's traffic to its own IP is always allowed: it never leaves the pod.
 * - ipBlocks match pod IPs too: a peer address is matched against every set, whether it belongs
 *   to a pod or not.
 * - hostNetwork and finished pods are neither targets nor peers (their IPs are the node's or
 *   may be reused).
 */
export interface FirewallPlan {
  readonly node: string;
  /** This node's own addresses (InternalIP and ExternalIP), sorted. */
  readonly nodeAddresses: readonly FamilyAddress[];
  /** This node's pods that policy applies to, by key. */
  readonly pods: FragmentMap<PodFirewall>;
  /** Policies that select at least one local pod, by key. */
  readonly policies: FragmentMap<PolicyPlan>;
  /** Every peer set the policies' rules refer to, by id. */
  readonly peerSets: FragmentMap<PeerSet>;
}
