import { ipFamilyOf } from '../../model/ip-family.js';
import type { IPFamily } from '../../model/index.js';
import type { ProxyEndpoint } from '../../plan/index.js';

/**
 * The endpoints `Cluster` policy frontends use: the ready ones; when none is ready, those
 * that are serving and terminating (kube-proxy's terminating fallback, so connections keep
 * working while a deployment rolls over entirely).
 *
 * The fallback is decided per family, as kube-proxy's per-family proxiers do: ready IPv4
 * endpoints do not stop IPv6 frontends from falling back to terminating IPv6 ones.
 */
export function selectClusterEndpoints(endpoints: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  return perFamily(endpoints, withTerminatingFallback);
}

/**
 * The endpoints `Local` policy frontends use: this node's ready endpoints; when this node has
 * none ready, its serving and terminating ones. Remote endpoints never stand in, ready or not:
 * that is what Local means. Decided per family, as {@link selectClusterEndpoints}.
 */
export function selectLocalEndpoints(endpoints: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  return perFamily(
    endpoints.filter((endpoint) => endpoint.local),
    withTerminatingFallback,
  );
}

function withTerminatingFallback(endpoints: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = endpoints.filter((endpoint) => endpoint.ready);
  if (ready.length > 0) return ready;
  return endpoints.filter((endpoint) => endpoint.serving && endpoint.terminating);
}

/** Applies `select` to each family's endpoints separately; keeps the input's order. */
function perFamily(
  endpoints: readonly ProxyEndpoint[],
  select: (ofOneFamily: readonly ProxyEndpoint[]) => ProxyEndpoint[],
): ProxyEndpoint[] {
  const chosen = new Set<ProxyEndpoint>();
  for (const family of ['IPv4', 'IPv6'] as const satisfies readonly IPFamily[]) {
    for (const endpoint of select(endpoints.filter((candidate) => ipFamilyOf(candidate.ip) === family))) {
      chosen.add(endpoint);
    }
  }
  return endpoints.filter((endpoint) => chosen.has(endpoint));
}
