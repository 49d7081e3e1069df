/**
 * Which endpoints a frontend's IPVS virtual service balances to, shared by the virtual
 * service specs and the DSR setup of the endpoints' pods.
 *
 * @module
 */
import type { ProxyEndpoint, ProxyFrontend, ServicePortPlan } from '../../core/plan/proxy-plan.js';

/**
 * The frontend's endpoint set of its family, or the local set for every frontend under
 * `kube-router.io/service.local`. The plan's short circuit (pods and the node reaching a Local
 * external frontend through the cluster set) is not here: IPVS cannot choose real servers by
 * source, so those packets are DNATed to the cluster IP first (`./ipvs-short-circuit.ts`).
 */
export function frontendEndpoints(servicePort: ServicePortPlan, frontend: ProxyFrontend): ProxyEndpoint[] {
  const set = servicePort.kubeRouter?.localOnly === true ? 'local' : frontend.endpoints;
  const endpoints = set === 'local' ? servicePort.localEndpoints : servicePort.clusterEndpoints;
  return endpoints.filter((endpoint) => endpoint.family === frontend.family);
}
