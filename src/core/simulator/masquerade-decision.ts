import type { ProxyEndpoint, ProxyFrontend, ServicePortPlan } from '../plan/index.js';
import { cidrHolding, endpointText } from './ip-matching.js';
import type { SourceClass } from './trace-query.js';

/** Whether a DNATed packet may leave with the node's address as source, and why. */
export interface MasqueradeDecision {
  readonly masquerade: boolean;
  readonly explain: readonly string[];
}

/** What {@link decideMasquerade} looks at. */
export interface MasqueradeInput {
  readonly servicePort: ServicePortPlan;
  readonly frontend: ProxyFrontend;
  readonly source: SourceClass;
  readonly fromIP: string;
  /** True when the packet took the frontend's short circuit to the cluster endpoints. */
  readonly shortCircuited: boolean;
  /** The endpoints the packet may go to. */
  readonly endpoints: readonly ProxyEndpoint[];
  readonly clusterCIDRs: readonly string[];
}

function policyDecision(input: MasqueradeInput): MasqueradeDecision {
  const { frontend, source, fromIP } = input;
  if (input.shortCircuited) {
    if (source === 'node' && frontend.shortCircuit?.masqueradeFromNode === true) {
      return { masquerade: true, explain: ['masquerade: packets from this node on the short circuit are masqueraded'] };
    }
    return { masquerade: false, explain: ['no masquerade: pod packets on the short circuit keep their source'] };
  }
  switch (frontend.masquerade) {
    case 'always':
      return { masquerade: true, explain: ['masquerade (policy always): every packet to this frontend'] };
    case 'never':
      return { masquerade: false, explain: ['no masquerade (policy never): the client address is kept'] };
    case 'outside-cluster-cidrs': {
      const cidr = cidrHolding(input.clusterCIDRs, fromIP);
      return cidr === undefined
        ? { masquerade: true, explain: [`masquerade (policy outside-cluster-cidrs): source ${fromIP} is outside the cluster CIDRs`] }
        : { masquerade: false, explain: [`no masquerade (policy outside-cluster-cidrs): source ${fromIP} is inside cluster CIDR ${cidr}`] };
    }
  }
}

/**
 * Decides masquerade from the frontend's plan fields: the short circuit's rule for packets
 * that took it (node packets masqueraded, pod packets not), otherwise the frontend's
 * {@link MasqueradePolicy}. Then hairpin: when the source is one of the possible endpoints and
 * the service port has `hairpinMasquerade`, a packet balanced back to the source is
 * masqueraded. kube-proxy does that only when the chosen endpoint is the source itself, so
 * with several backends only some choices masquerade; the decision is `true` when any possible
 * backend would masquerade (so `false` promises the source address is kept whichever backend
 * is chosen), and the explanation names the hairpin backends.
 */
export function decideMasquerade(input: MasqueradeInput): MasqueradeDecision {
  const byPolicy = policyDecision(input);
  const hairpins = input.endpoints.filter((endpoint) => endpoint.ip === input.fromIP);
  if (hairpins.length === 0) return byPolicy;
  const names = hairpins.map((endpoint) => endpointText(endpoint.ip, endpoint.port)).join(', ');
  if (!input.servicePort.hairpinMasquerade) {
    const line = `the source is backend ${names}, but this service port does not masquerade hairpin traffic`;
    return { masquerade: byPolicy.masquerade, explain: [...byPolicy.explain, line] };
  }
  const others = input.endpoints.length > hairpins.length;
  const line = byPolicy.masquerade
    ? `the source is backend ${names} (hairpin): masqueraded either way`
    : others
      ? `hairpin masquerade: the source is backend ${names}; balanced back to itself the packet is masqueraded, to the other backends it is not`
      : `hairpin masquerade: the source is ${names}, the only backend, so the packet is masqueraded`;
  return { masquerade: true, explain: [...byPolicy.explain, line] };
}
