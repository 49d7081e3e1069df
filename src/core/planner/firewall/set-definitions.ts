import type { IPBlock, IPFamily, LabelSelector, NetworkPolicy, NetworkPolicyPeer } from '../../model/index.js';
import { SELECT_ALL, selectsEverything } from '../../model/index.js';
import { ipFamilyOf } from '../../model/ip-family.js';
import { compareText, sortedUniqueCidrs } from '../common/addresses.js';

/**
 * A pod address set shared by every rule with the same peer: the pods `podSelector` selects,
 * either in one `namespace` (a peer with a podSelector only) or in the namespaces
 * `namespaceSelector` selects (an empty one: every namespace), of one family.
 */
export interface SelectorSetDefinition {
  readonly kind: 'selector';
  readonly id: string;
  readonly family: IPFamily;
  /** Set when the peer has no namespaceSelector: only pods of the policy's namespace. */
  readonly namespace?: string | undefined;
  /** Set when the peer has one; undefined together with `namespace`. */
  readonly namespaceSelector?: LabelSelector | undefined;
  readonly podSelector: LabelSelector;
}

/** An ipBlock as a set of its own family. */
export interface CidrSetDefinition {
  readonly kind: 'cidr';
  readonly id: string;
  readonly family: IPFamily;
  readonly cidr: string;
  readonly except: readonly string[];
}

/** A set whose members follow from its definition and the cluster, shared across policies. */
export type SharedSetDefinition = SelectorSetDefinition | CidrSetDefinition;

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/** A selector as canonical data: sorted labels and expressions, so equal selectors give one id. */
function canonicalSelector(selector: LabelSelector): unknown {
  const labels = Object.keys(selector.matchLabels)
    .sort(compareText)
    .map((key) => [key, selector.matchLabels[key]]);
  const expressions = selector.matchExpressions
    .map((requirement) => [requirement.key, requirement.operator, [...requirement.values].sort(compareText)])
    .sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b)));
  return [labels, expressions];
}

/**
 * The sets one selector peer refers to, one per family. The id holds the peer's meaning, never
 * its members: `pods:<family>:` and the canonical JSON of (namespace or namespaceSelector,
 * podSelector). Two policies with the same peer in the same namespace context share the sets.
 */
export function selectorSetsOf(policy: NetworkPolicy, peer: NetworkPolicyPeer): SelectorSetDefinition[] {
  const podSelector = peer.podSelector ?? SELECT_ALL;
  const namespaceSelector = peer.namespaceSelector;
  const scope =
    namespaceSelector === undefined
      ? { namespace: policy.namespace }
      : { namespaces: selectsEverything(namespaceSelector) ? 'all' : canonicalSelector(namespaceSelector) };
  const meaning = JSON.stringify({ ...scope, pods: canonicalSelector(podSelector) });
  return FAMILIES.map((family) => ({
    kind: 'selector',
    id: `pods:${family}:${meaning}`,
    family,
    podSelector,
    ...(namespaceSelector === undefined ? { namespace: policy.namespace } : { namespaceSelector }),
  }));
}

/** The set of one ipBlock: `cidr:<family>:<cidr>` and its sorted excepts. */
export function cidrSetOf(block: IPBlock): CidrSetDefinition {
  const except = sortedUniqueCidrs(block.except);
  const family = ipFamilyOf(block.cidr);
  const id = `cidr:${family}:${block.cidr}${except.length > 0 ? ` except ${except.join(',')}` : ''}`;
  return { kind: 'cidr', id, family, cidr: block.cidr, except };
}

/**
 * The id of a policy's own named-port set: the destination pods of one rule whose named port
 * resolves to `number`. It names the policy, the rule and the number, so it changes only when
 * the policy does or a pod starts or stops resolving the name to that number.
 */
export function namedPortSetId(
  family: IPFamily,
  policyKey: string,
  direction: 'ingress' | 'egress',
  ruleIndex: number,
  protocol: string,
  number: number,
): string {
  return `named-port:${family}:${policyKey}:${direction}[${ruleIndex}]:${protocol}=${number}`;
}
