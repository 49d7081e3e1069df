import type { NamespacedMeta, Protocol } from './common.js';
import type { LabelSelector } from './label-selector.js';

/** A direction a NetworkPolicy can isolate. */
export type PolicyType = 'Ingress' | 'Egress';

/** `ipBlock`: a CIDR with holes. */
export interface IPBlock {
  readonly cidr: string;
  readonly except: readonly string[];
}

/**
 * One peer of a rule. Kubernetes semantics: `podSelector` alone selects pods in the policy's
 * namespace; `namespaceSelector` alone selects all pods of the matching namespaces; both
 * together select the matching pods in the matching namespaces (AND); `ipBlock` stands alone.
 */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector | undefined;
  readonly namespaceSelector?: LabelSelector | undefined;
  readonly ipBlock?: IPBlock | undefined;
}

/**
 * One port of a rule. `port` undefined means every port of the protocol; a string is a named
 * container port resolved per destination pod; `endPort` makes a range and needs a numeric
 * `port`.
 */
export interface NetworkPolicyPort {
  readonly protocol: Protocol;
  readonly port?: number | string | undefined;
  readonly endPort?: number | undefined;
}

/**
 * A rule. `peers` empty means "all sources" (ingress) or "all destinations" (egress);
 * `ports` empty means all ports. A rule that Kubernetes would reject is never in the model.
 */
export interface NetworkPolicyRule {
  readonly peers: readonly NetworkPolicyPeer[];
  readonly ports: readonly NetworkPolicyPort[];
}

/** A networking.k8s.io/v1 NetworkPolicy. */
export interface NetworkPolicy extends NamespacedMeta {
  readonly kind: 'NetworkPolicy';
  readonly podSelector: LabelSelector;
  /**
   * Effective policy types: the explicit `spec.policyTypes` if given, otherwise inferred as
   * Kubernetes does (Ingress always, Egress when the policy has egress rules).
   */
  readonly policyTypes: readonly PolicyType[];
  /** True when `spec.policyTypes` was given explicitly. */
  readonly policyTypesExplicit: boolean;
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}
