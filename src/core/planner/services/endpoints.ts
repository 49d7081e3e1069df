import { ipFamilyOf } from '../../model/ip-family.js';
import type { EndpointSlice, ServicePort } from '../../model/index.js';
import type { ProxyEndpoint } from '../../plan/index.js';
import { compareAddresses } from '../common/addresses.js';
import { isLabelledAway } from './service-traffic.js';

/**
 * Every endpoint the slices give for one service port, before any selection by condition.
 *
 * - The slice port is found by the service port's `name` and `protocol` (a slice without such
 *   a port contributes nothing to this service port); its `port` is the endpoint port, which
 *   already resolves a named `targetPort` per pod.
 * - FQDN slices carry no IP and are ignored; an endpoint whose address is not of the slice's
 *   `addressType` is ignored too. Slices labelled away to another proxy (or as a headless
 *   service's) are ignored, as kube-proxy's informers never deliver them.
 * - Only an endpoint's first address is used, as kube-proxy does (the API says consumers may
 *   treat further addresses as interchangeable with the first).
 * - Duplicates (the same ip:port in several slices, as happens while a slice is being
 *   replaced) collapse to one. kube-proxy's endpoint slice cache keeps the first copy unless a
 *   later one is local; slices are read here in key order, so "first" is deterministic. Between
 *   copies equally local, a ready copy replaces one that is not ready, so a replacement slice
 *   that already reports the endpoint ready wins over the old slice's stale condition.
 * - `local` is true when the endpoint's `nodeName` is `nodeName`.
 *
 * Both families come back in one list; `family` tells them apart. Each endpoint is frozen as
 * it is made: plans are deep-frozen, and a frozen leaf is not walked again.
 *
 * @returns endpoints sorted by address (IPv4 first, numerically), then port.
 */
export function collectEndpoints(
  slices: readonly EndpointSlice[],
  servicePort: ServicePort,
  nodeName: string,
): ProxyEndpoint[] {
  const found: ProxyEndpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN' || isLabelledAway(slice.labels)) continue;
    const slicePort = slice.ports.find(
      (candidate) => candidate.name === servicePort.name && candidate.protocol === servicePort.protocol,
    );
    if (slicePort === undefined) continue;
    const port = slicePort.port;
    for (const endpoint of slice.endpoints) {
      const ip = endpoint.addresses[0];
      if (ip === undefined) continue;
      const family = ipFamilyOf(ip);
      if (family !== slice.addressType) continue;
      const { ready, serving, terminating } = endpoint.conditions;
      const local = endpoint.nodeName === nodeName;
      found.push(
        Object.freeze(
          endpoint.nodeName === undefined
            ? { ip, family, port, local, ready, serving, terminating }
            : { ip, family, port, nodeName: endpoint.nodeName, local, ready, serving, terminating },
        ),
      );
    }
  }
  return withoutDuplicates(sortedByAddress(found));
}

/**
 * One endpoint per ip:port of `sorted`, where copies of one ip:port are adjacent and in the
 * order they were found (the sort is stable): the first, unless a later copy
 * {@link replaces} it.
 */
function withoutDuplicates(sorted: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const kept: ProxyEndpoint[] = [];
  for (const endpoint of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || last.ip !== endpoint.ip || last.port !== endpoint.port) kept.push(endpoint);
    else if (replaces(endpoint, last)) kept[kept.length - 1] = endpoint;
  }
  return kept;
}

/** Whether a later copy of the same ip:port wins over the one kept so far (see {@link collectEndpoints}). */
function replaces(later: ProxyEndpoint, kept: ProxyEndpoint): boolean {
  if (later.local !== kept.local) return later.local;
  return later.ready && !kept.ready;
}

/**
 * `endpoints` by address (IPv4 first, numerically), then port; stable. This runs for every service port of
 * a full plan, so dotted IPv4 addresses, the bulk of them, are read once into numbers and
 * compared as numbers (the order {@link compareAddresses} gives, without its parse at every
 * comparison); IPv6 ones sort after them by {@link compareAddresses}.
 */
function sortedByAddress(endpoints: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const keyed = endpoints.map((endpoint) => ({ endpoint, ipv4: endpoint.family === 'IPv4' ? ipv4Number(endpoint.ip) : -1 }));
  keyed.sort(
    (a, b) =>
      (a.ipv4 >= 0 && b.ipv4 >= 0 ? a.ipv4 - b.ipv4 : compareAddresses(a.endpoint.ip, b.endpoint.ip)) ||
      a.endpoint.port - b.endpoint.port,
  );
  return keyed.map(({ endpoint }) => endpoint);
}

/** The value of a canonical dotted IPv4 address (the model admits no other IPv4 form). */
function ipv4Number(ip: string): number {
  let value = 0;
  let octet = 0;
  for (let index = 0; index < ip.length; index++) {
    const code = ip.charCodeAt(index);
    if (code === 46 /* . */) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + (code - 48);
    }
  }
  return value * 256 + octet;
}
