/**
 * What IPVS programs for one service port of a `ProxyPlan`: a virtual service per frontend
 * address (NodePorts on each NodePort address of their family), its scheduler, flags and
 * persistence, and its real servers (masquerade forwarding, weight 1). Pure: the backend
 * compares these with what it programmed.
 *
 * @module
 */
import type { ProxyFrontend, ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import type { RealServer, VirtualService } from '../../core/ports/ipvs.js';
import { IpvsServiceFlag } from './ipvs-constants.js';
import { canonicalAddress } from './netlink-attributes.js';
import { realServerId, virtualServiceId } from './fake-ipvs-port.js';
import { sourceRangeProblems } from './ipvs-source-ranges.js';
import { shortCircuitRules } from './ipvs-short-circuit.js';

/** kube-router's default scheduler. */
export const DEFAULT_SCHEDULER = 'rr';

/** `kube-router.io/service.schedflags` values and the IPVS flag each sets. */
export const SCHEDULER_FLAG_BITS: Readonly<Record<string, number>> = {
  'flag-1': IpvsServiceFlag.SCHED1,
  'flag-2': IpvsServiceFlag.SCHED2,
  'flag-3': IpvsServiceFlag.SCHED3,
};

/** One virtual service with the real servers it should have, by id. */
export interface VirtualServiceSpec {
  /** `TCP 10.96.0.10:80`. */
  readonly id: string;
  readonly service: VirtualService;
  /** The VIP to put on the dummy interface; undefined for NodePorts (node addresses are local already). */
  readonly localAddress?: string | undefined;
  /** By {@link realServerId}. */
  readonly servers: ReadonlyMap<string, RealServer>;
}

/** The flags of a service port's virtual services: scheduler flags, persistence for ClientIP affinity. */
export function serviceFlags(servicePort: ServicePortPlan): number {
  let flags = 0;
  for (const name of servicePort.kubeRouter?.schedulerFlags ?? []) flags |= SCHEDULER_FLAG_BITS[name] ?? 0;
  if (servicePort.affinityTimeoutSeconds !== undefined) flags |= IpvsServiceFlag.PERSISTENT;
  return flags;
}

/**
 * The endpoints a frontend's virtual service balances to: its endpoint set of its family, or
 * the local set for every frontend under `kube-router.io/service.local`. The plan's short
 * circuit (pods and the node reaching a Local external frontend through the cluster set) is
 * not here: IPVS cannot choose real servers by source, so those packets are DNATed to the
 * cluster IP first (`./ipvs-short-circuit.ts`).
 */
function realServers(servicePort: ServicePortPlan, frontend: ProxyFrontend): Map<string, RealServer> {
  const set = servicePort.kubeRouter?.localOnly === true ? 'local' : frontend.endpoints;
  const endpoints = set === 'local' ? servicePort.localEndpoints : servicePort.clusterEndpoints;
  const servers = new Map<string, RealServer>();
  for (const endpoint of endpoints) {
    if (endpoint.family !== frontend.family) continue;
    const server: RealServer = {
      family: endpoint.family,
      address: canonicalAddress(endpoint.ip),
      port: endpoint.port,
      forwarding: 'masquerade',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
    };
    servers.set(realServerId(server), server);
  }
  return servers;
}

function frontendAddresses(plan: ProxyPlan, frontend: ProxyFrontend): { address: string; local: boolean }[] {
  if (frontend.kind !== 'NodePort') return frontend.ip === undefined ? [] : [{ address: frontend.ip, local: true }];
  return plan.settings.nodePortAddresses.filter((node) => node.family === frontend.family).map((node) => ({ address: node.ip, local: false }));
}

/**
 * The virtual services of one service port, by id. A frontend address that two frontends of
 * the port share (an ExternalIP equal to a NodePort address) is programmed once, for the first.
 */
export function virtualServiceSpecs(plan: ProxyPlan, servicePort: ServicePortPlan): Map<string, VirtualServiceSpec> {
  const specs = new Map<string, VirtualServiceSpec>();
  const scheduler = servicePort.kubeRouter?.scheduler ?? DEFAULT_SCHEDULER;
  const flags = serviceFlags(servicePort);
  const timeoutSeconds = servicePort.affinityTimeoutSeconds ?? 0;
  for (const frontend of servicePort.frontends) {
    const servers = realServers(servicePort, frontend);
    for (const { address, local } of frontendAddresses(plan, frontend)) {
      const service: VirtualService = {
        family: frontend.family,
        protocol: servicePort.protocol,
        address: canonicalAddress(address),
        port: frontend.port,
        scheduler,
        flags,
        timeoutSeconds,
        netmaskPrefix: frontend.family === 'IPv6' ? 128 : 32,
      };
      const id = virtualServiceId(service);
      if (specs.has(id)) continue;
      specs.set(id, { id, service, localAddress: local ? service.address : undefined, servers });
    }
  }
  return specs;
}

/** True when two virtual services have the same settings (their keys are equal by id). */
export function sameServiceSettings(a: VirtualService, b: VirtualService): boolean {
  return a.scheduler === b.scheduler && a.flags === b.flags && a.timeoutSeconds === b.timeoutSeconds && a.netmaskPrefix === b.netmaskPrefix;
}

/** True when two real servers have the same settings. */
export function sameServerSettings(a: RealServer, b: RealServer): boolean {
  return a.forwarding === b.forwarding && a.weight === b.weight && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;
}

/**
 * What the plan asks of one service port that this backend leaves out, one line each (the
 * backend logs and counts them): DSR, LoadBalancer source ranges that do not parse, and a
 * short circuit without a cluster IP to send it to.
 */
export function servicePortSkips(plan: ProxyPlan, servicePort: ServicePortPlan): string[] {
  const lines: string[] = [];
  const name = `${servicePort.service} port ${JSON.stringify(servicePort.portName)}/${servicePort.protocol}`;
  if (servicePort.kubeRouter?.dsr !== undefined) {
    lines.push(`${name}: DSR (kube-router.io/service.dsr=${JSON.stringify(servicePort.kubeRouter.dsr)}) is not implemented yet; the service is proxied with masquerade (NAT)`);
  }
  for (const frontend of servicePort.frontends) {
    if (frontend.kind !== 'LoadBalancer') continue;
    for (const problem of sourceRangeProblems(frontend)) lines.push(`${name}: ${problem}; left out, so the sources it meant are refused`);
  }
  lines.push(...shortCircuitRules(plan, servicePort, () => '', '').skips);
  return lines;
}
