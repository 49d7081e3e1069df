/**
 * The plan's short circuit for Local external frontends, on IPVS. One IPVS virtual service
 * has one set of real servers whoever sends, so the short circuit is done before IPVS sees
 * the packet: in nat `PREROUTING` and `OUTPUT`, a packet from a pod (source in the cluster
 * CIDRs) or from the node itself (a local source address) to a Local frontend is DNATed to the
 * service's cluster IP and port, whose virtual service balances to the cluster endpoints;
 * node packets are marked for masquerade first, as the plan says. Other packets reach the
 * frontend's own virtual service and its local endpoints.
 *
 * That needs the service's cluster IP with the Cluster policy (the usual case): without one
 * (internalTrafficPolicy Local, or `kube-router.io/service.local`) the short circuit is left
 * out and told. The rules are per frontend, in chain `KUBE-ROUTER-SHORT-CIRCUIT`, rewritten
 * (one `iptables-restore --noflush` per family) only when one of them changes: an endpoint
 * change never does.
 *
 * @module
 */
import type { IPFamily } from '../../core/model/index.js';
import type { ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import { canonicalAddress } from './netlink-attributes.js';

/** The nat chain of the short circuit. */
export const SHORT_CIRCUIT_CHAIN = 'KUBE-ROUTER-SHORT-CIRCUIT';

/** One rule of {@link SHORT_CIRCUIT_CHAIN} for one family. */
export interface ShortCircuitRule {
  /** The family whose `iptables-restore` (or `ip6tables-restore`) takes it. */
  readonly family: IPFamily;
  /** The `-A` line. */
  readonly line: string;
}

function hostPort(address: string, port: number, family: IPFamily): string {
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The short-circuit rules of one service port, and what it leaves out (one line each).
 *
 * @param podSubnetsSet the name of the set of the cluster CIDRs, by family
 * @param mark the masquerade mark (`value/mask`) for packets from this node
 */
export function shortCircuitRules(plan: ProxyPlan, servicePort: ServicePortPlan, podSubnetsSet: (family: IPFamily) => string, mark: string): { rules: ShortCircuitRule[]; skips: string[] } {
  const rules: ShortCircuitRule[] = [];
  const skips: string[] = [];
  const protocol = servicePort.protocol.toLowerCase();
  for (const frontend of servicePort.frontends) {
    if (frontend.shortCircuit === undefined || frontend.kind === 'ClusterIP') continue;
    const cluster = servicePort.frontends.find((one) => one.kind === 'ClusterIP' && one.family === frontend.family && one.endpoints === 'cluster' && one.ip !== undefined);
    if (cluster?.ip === undefined || servicePort.kubeRouter?.localOnly === true) {
      skips.push(
        `${servicePort.service} port ${JSON.stringify(servicePort.portName)}/${servicePort.protocol}: the short circuit of its ${frontend.kind} ${frontend.family} frontend needs a cluster IP with the Cluster policy and is not implemented yet without one; pods and the node reach it through the local endpoints`,
      );
      continue;
    }
    const target = hostPort(canonicalAddress(cluster.ip), cluster.port, frontend.family);
    const addresses = frontend.kind === 'NodePort'
      ? plan.settings.nodePortAddresses.filter((node) => node.family === frontend.family).map((node) => node.ip)
      : frontend.ip === undefined ? [] : [frontend.ip];
    const prefix = frontend.family === 'IPv4' ? 32 : 128;
    for (const raw of addresses) {
      const match = `-d ${canonicalAddress(raw)}/${prefix} -p ${protocol} -m ${protocol} --dport ${frontend.port}`;
      const add = (line: string): void => {
        rules.push({ family: frontend.family, line });
      };
      add(`-A ${SHORT_CIRCUIT_CHAIN} ${match} -m addrtype --src-type LOCAL -m comment --comment "short circuit from this node" -j MARK --set-xmark ${mark}`);
      add(`-A ${SHORT_CIRCUIT_CHAIN} ${match} -m addrtype --src-type LOCAL -j DNAT --to-destination ${target}`);
      add(`-A ${SHORT_CIRCUIT_CHAIN} ${match} -m set --match-set ${podSubnetsSet(frontend.family)} src -m comment --comment "short circuit from pods" -j DNAT --to-destination ${target}`);
    }
  }
  return { rules, skips };
}

/** The `iptables-restore --noflush` payload that rewrites the chain with `lines` (declaring it flushes it). */
export function shortCircuitPayload(lines: readonly string[]): string {
  return ['*nat', `:${SHORT_CIRCUIT_CHAIN} - [0:0]`, ...lines, 'COMMIT', ''].join('\n');
}
