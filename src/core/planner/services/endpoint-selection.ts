import type { IPFamily } from '../../model/index.js';
import type { ProxyEndpoint } from '../../plan/index.js';

/**
 * The two endpoint sets of one family of a service port, as kube-proxy's per-family proxier
 * computes them (`CategorizeEndpoints`, without topology):
 *
 * - `cluster`: the ready endpoints of every node; when none is ready, those that are serving
 *   and terminating (the terminating fallback, so connections keep working while a deployment
 *   rolls over entirely). It is empty exactly when the family has no usable endpoint anywhere,
 *   which is kube-proxy's `hasEndpoints == false` (the REJECT case).
 * - `local`: this node's ready endpoints; when this node has none ready, its serving and
 *   terminating ones. Remote endpoints never stand in, ready or not: that is what Local means.
 *   The fallback is decided apart from the cluster set's.
 *
 * Deciding per family follows kube-proxy's one proxier per family: ready IPv4 endpoints do not
 * stop IPv6 frontends from falling back to terminating IPv6 ones.
 */
export interface FamilyEndpointSets {
  readonly cluster: readonly ProxyEndpoint[];
  readonly local: readonly ProxyEndpoint[];
}

/** The endpoint sets of `family` among `endpoints` (any order in, the same order out). */
export function endpointSetsOf(endpoints: readonly ProxyEndpoint[], family: IPFamily): FamilyEndpointSets {
  const ofFamily = endpoints.filter((endpoint) => endpoint.family === family);
  return {
    cluster: withTerminatingFallback(ofFamily),
    local: withTerminatingFallback(ofFamily.filter((endpoint) => endpoint.local)),
  };
}

function withTerminatingFallback(endpoints: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = endpoints.filter((endpoint) => endpoint.ready);
  if (ready.length > 0) return ready;
  return endpoints.filter((endpoint) => endpoint.serving && endpoint.terminating);
}
