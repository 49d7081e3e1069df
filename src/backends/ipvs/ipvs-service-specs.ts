/**
 * What IPVS programs for one service port of a `ProxyPlan`: a virtual service per frontend
 * address (NodePorts on each NodePort address of their family; a firewall-mark service per
 * DSR external IP), its scheduler, flags and persistence, and its real servers (masquerade
 * forwarding, tunnel for DSR, weight 1). Pure: the backend
 * compares these with what it programmed.
 *
 * @module
 */
import type { ProxyFrontend, ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import type { ForwardingMethod, RealServer, VirtualService } from '../../core/ports/ipvs.js';
import { frontendEndpoints } from './frontend-endpoints.js';
import { dsrDecision, dsrFrontendKey, servicePortName } from './ipvs-dsr.js';
import { unspecifiedAddress } from './ipvs-messages.js';
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

/** The real servers of a frontend's virtual service (weight 1) by id, forwarded with `forwarding`. */
function realServers(servicePort: ServicePortPlan, frontend: ProxyFrontend, forwarding: ForwardingMethod): Map<string, RealServer> {
  const servers = new Map<string, RealServer>();
  for (const endpoint of frontendEndpoints(servicePort, frontend)) {
    const server: RealServer = {
      family: endpoint.family,
      address: canonicalAddress(endpoint.ip),
      port: endpoint.port,
      forwarding,
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

/** The firewall mark of a DSR frontend by its key; undefined when it is not served by DSR. */
export type DsrMarkLookup = (key: string) => number | undefined;

/**
 * The virtual services of one service port, by id. A frontend address that two frontends of
 * the port share (an ExternalIP equal to a NodePort address) is programmed once, for the first.
 * With `dsrMarks`, an external frontend that holds a DSR mark is a firewall-mark service
 * (`FWM 1234`) whose real servers are reached by tunnel, with no VIP on the dummy interface
 * (see `./ipvs-dsr.ts`).
 */
export function virtualServiceSpecs(plan: ProxyPlan, servicePort: ServicePortPlan, dsrMarks?: DsrMarkLookup): Map<string, VirtualServiceSpec> {
  const specs = new Map<string, VirtualServiceSpec>();
  const scheduler = servicePort.kubeRouter?.scheduler ?? DEFAULT_SCHEDULER;
  const flags = serviceFlags(servicePort);
  const timeoutSeconds = servicePort.affinityTimeoutSeconds ?? 0;
  const netmask = (frontend: ProxyFrontend): number => (frontend.family === 'IPv6' ? 128 : 32);
  for (const frontend of servicePort.frontends) {
    const mark = dsrMarks !== undefined && servicePort.kubeRouter?.dsr !== undefined && frontend.kind !== 'ClusterIP' && frontend.kind !== 'NodePort' && frontend.ip !== undefined
      ? dsrMarks(dsrFrontendKey(frontend.ip, servicePort.protocol, frontend.port))
      : undefined;
    if (mark !== undefined) {
      // The kernel keeps TCP as a firewall-mark service's protocol and lists it so.
      const service: VirtualService = { family: frontend.family, protocol: 'TCP', address: unspecifiedAddress(frontend.family), port: 0, fwmark: mark, scheduler, flags, timeoutSeconds, netmaskPrefix: netmask(frontend) };
      const id = virtualServiceId(service);
      if (!specs.has(id)) specs.set(id, { id, service, localAddress: undefined, servers: realServers(servicePort, frontend, 'tunnel') });
      continue;
    }
    const servers = realServers(servicePort, frontend, 'masquerade');
    for (const { address, local } of frontendAddresses(plan, frontend)) {
      const service: VirtualService = {
        family: frontend.family,
        protocol: servicePort.protocol,
        address: canonicalAddress(address),
        port: frontend.port,
        scheduler,
        flags,
        timeoutSeconds,
        netmaskPrefix: netmask(frontend),
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
 * backend logs and counts them): DSR it cannot serve (see `dsrDecision`), LoadBalancer source
 * ranges that do not parse, and a short circuit without a cluster IP to send it to.
 *
 * @param podNetwork whether the backend has the pod network port DSR needs
 */
export function servicePortSkips(plan: ProxyPlan, servicePort: ServicePortPlan, podNetwork = false): string[] {
  const lines: string[] = [...dsrDecision(servicePort, podNetwork).skips];
  const name = servicePortName(servicePort);
  for (const frontend of servicePort.frontends) {
    if (frontend.kind !== 'LoadBalancer') continue;
    for (const problem of sourceRangeProblems(frontend)) lines.push(`${name}: ${problem}; left out, so the sources it meant are refused`);
  }
  lines.push(...shortCircuitRules(plan, servicePort, () => '', '').skips);
  return lines;
}
