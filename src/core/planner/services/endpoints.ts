import { ipFamilyOf } from '../../model/ip-family.js';
import type { EndpointSlice, ServicePort } from '../../model/index.js';
import type { ProxyEndpoint } from '../../plan/index.js';
import { compareAddresses} from '../common/addresses.js';

/**
 * Every endpoint the slices give for one service port, before any selection by condition.
 *
 * - The slice port is found by the service port's `name` and `protocol` (a slice without such
 *   a port contributes nothing to this service port); its `port` is the endpoint port, which
 *   already resolves a named `targetPort` per pod.
 * - FQDN slices carry no IP and are ignored; an endpoint whose address is not of the slice's
 *   `addressType` is ignored too.
 * - Only an endpoint's first address is used, as kube-proxy does (the API says consumers may
 *   treat further addresses as interchangeable with the first).
 * - Duplicates (the same ip:port in several slices, as happens while a slice is being
 *   replaced) collapse to one: the first seen in slice-key order, unless a later copy is ready
 *   and the first is not.
 * - `local` is true when the endpoint's `nodeName` is `nodeName`.
 *
 * Both families come back in one list; callers separate them by `ip`.
 *
 * @returns endpoints sorted by address (IPv4 first, numerically), then port.
 */
export function collectEndpoints(
  slices: readonly EndpointSlice[],
  servicePort: ServicePort,
  nodeName: string,
): ProxyEndpoint[] {
  const byAddress = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const slicePort = slice.ports.find(
      (candidate) => candidate.name === servicePort.name && candidate.protocol === servicePort.protocol,
    );
    if (slicePort === undefined) continue;
    for (const endpoint of slice.endpoints) {
      const ip = endpoint.addresses[0];
      if (ip === undefined || ipFamilyOf(ip) !== slice.addressType) continue;
      const candidate: ProxyEndpoint = {
        ip,
        port: slicePort.port,
        ...(endpoint.nodeName === undefined ? {} : { nodeName: endpoint.nodeName }),
        local: endpoint.nodeName === nodeName,
        ready: endpoint.conditions.ready,
        serving: endpoint.conditions.serving,
        terminating: endpoint.conditions.terminating,
      };
      const key = `${ip} ${slicePort.port}`;
      const existing = byAddress.get(key);
      if (existing === undefined || (!existing.ready && candidate.ready)) byAddress.set(key, candidate);
    }
  }
  return [...byAddress.values()].sort(compareEndpoints);
}

/** Address order (IPv4 first, numerically), then port. */
export function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return compareAddresses(a.ip, b.ip) || a.port - b.port;
}
