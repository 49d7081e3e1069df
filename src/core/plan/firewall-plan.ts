import type { IPFamily, PolicyType, Protocol } from '../model/index.js';

/** A CIDR with holes, as a NetworkPolicy ipBlock gives it. */
export interface CidrMatch {
  readonly cidr: string;
  readonly except: readonly string[];
}

/**
 * The peers of one rule, resolved against the snapshot: `any` for a rule with no peers,
 * otherwise the peer pods' IPs (the members of an ipset or an nft set) and the ipBlocks.
 */
export type PeerMatch =
  | { readonly any: true }
  | { readonly any: false; readonly podIPs: readonly string[]; readonly cidrs: readonly CidrMatch[] };

/**
 * One port match. Named ports are resolved per pod: the planner emits one match per number
 * a name resolves to, with `podIPs` limited to the pods whose container declares it.
 */
export interface PortMatch {
  readonly protocol: Protocol;
  /** Undefined: every port of the protocol. */
  readonly port?: number | undefined;
  readonly endPort?: number | undefined;
  /**
   * For a resolved named port: the destination pod IPs it applies to (the policy's targets
   * for ingress, the peer pods for egress).
   */
  readonly podIPs?: readonly string[] | undefined;
}

/**
 * One allow rule: traffic matching any peer AND any port is allowed. A rule that allows
 * nothing (its named ports resolve nowhere) keeps its place with an empty, non-`any` peer match.
 */
export interface FirewallRulePlan {
  readonly peers: PeerMatch;
  /** Empty: every port and protocol. */
  readonly ports: readonly PortMatch[];
}

/** One NetworkPolicy as it applies to the pods of this node. */
export interface PolicyPlan {
  /** `namespace/name` of the policy. */
  readonly key: string;
  readonly policyTypes: readonly PolicyType[];
  /** IPs of this node's pods the policy selects (its targets). */
  readonly targetPodIPs: readonly string[];
  readonly ingress: readonly FirewallRulePlan[];
  readonly egress: readonly FirewallRulePlan[];
}

/** A local pod and the policies that isolate it, per direction. */
export interface PodFirewall {
  /** `namespace/name`. */
  readonly pod: string;
  readonly ips: readonly { readonly ip: string; readonly family: IPFamily }[];
  /** Keys of the policies isolating this pod for ingress; empty: not isolated. */
  readonly ingressPolicies: readonly string[];
  readonly egressPolicies: readonly string[];
}

/** What the firewall programs on one node. */
export interface FirewallPlan {
  readonly node: string;
  /** This node's pods that are not hostNetwork, sorted by key. */
  readonly pods: readonly PodFirewall[];
  /** Policies that select at least one local pod, sorted by key. */
  readonly policies: readonly PolicyPlan[];
}
