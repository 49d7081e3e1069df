import type { EndpointSetName, ProxyEndpoint, ProxyFrontend, ServicePortPlan } from '../plan/index.js';
import { compareAddresses, endpointText } from './ip-matching.js';

/** The endpoints a frontend's packet may go to. */
export interface EndpointChoice {
  readonly set: EndpointSetName;
  /** Of the frontend's family, sorted by address then port. */
  readonly endpoints: readonly ProxyEndpoint[];
}

/**
 * The endpoints of set `set` of the frontend's family (both families share the plan's lists;
 * a frontend forwards only within its family). Every endpoint of a set is usable: the planner
 * already chose between ready and serving-terminating ones.
 */
export function chooseEndpoints(servicePort: ServicePortPlan, frontend: ProxyFrontend, set: EndpointSetName): EndpointChoice {
  const all = set === 'cluster' ? servicePort.clusterEndpoints : servicePort.localEndpoints;
  const endpoints = all
    .filter((endpoint) => endpoint.family === frontend.family)
    .sort((a, b) => compareAddresses(a.ip, b.ip) || a.port - b.port);
  return { set, endpoints };
}

/** `10.1.1.2:80 (kube-node1)`, with `terminating` for the serving-terminating fallback. */
export function endpointLine(endpoint: ProxyEndpoint): string {
  const notes = [endpoint.nodeName ?? 'no node', ...(endpoint.local ? ['local'] : []), ...(endpoint.terminating ? ['terminating'] : [])];
  return `${endpointText(endpoint.ip, endpoint.port)} (${notes.join(', ')})`;
}
