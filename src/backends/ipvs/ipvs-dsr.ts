/**
 * Direct server return (`kube-router.io/service.dsr=tunnel`) as kube-router does it, the pure
 * part: which frontends of a service port are served by DSR, and the rules and commands that
 * serve them.
 *
 * For each external IP (ExternalIP and LoadBalancer frontends) of a DSR service port:
 *
 * - mangle `PREROUTING` marks packets to (external IP, protocol, port) with a firewall mark
 *   of their own (`KUBE-ROUTER-DSR-MARK`);
 * - a policy routing rule sends packets with that mark to table 78, whose one route delivers
 *   everything locally (`local default dev lo`): the node is a VIP-less director, the external
 *   IP is on no interface of the node, so the endpoints' replies, whose source is that IP, are
 *   no martians when the node forwards them;
 * - an IPVS firewall-mark service balances the marked packets to the endpoints with the
 *   tunnel forwarding method: the node sends each one IPIP-encapsulated to the pod;
 * - in each endpoint pod's network namespace on this node, an ipip link `kube-tunnel-if`
 *   (local address the pod IP), up, holds the external IP (/32) with reverse path filtering
 *   off on it and on `all`: the pod decapsulates, takes the external IP as its own, and
 *   replies straight to the client from it (the client's address is kept).
 *
 * IPVS tunnelling does not rewrite the port, so an endpoint port other than the service port
 * cannot be served: such a service port is proxied with NAT, as is an IPv6 one (not
 * implemented yet), and each of those is a skip line.
 *
 * @module
 */
import type { IPFamily } from '../../core/model/index.js';
import type { ServicePortPlan } from '../../core/plan/proxy-plan.js';
import type { IpvsProtocol } from '../../core/ports/ipvs.js';
import { frontendEndpoints } from './frontend-endpoints.js';
import { canonicalAddress } from './netlink-attributes.js';

/** kube-router's name of the ipip link inside each endpoint pod. */
export const DSR_TUNNEL_INTERFACE = 'kube-tunnel-if';
/** The routing table of marked packets (kube-router's `kube-router-dsr`, 78). */
export const DSR_ROUTE_TABLE = '78';
/** The priority of the policy routing rules (kube-router's, just before `main` at 32766). */
export const DSR_RULE_PRIORITY = '32764';
/** The mangle chain of the marking rules. */
export const DSR_MARK_CHAIN = 'KUBE-ROUTER-DSR-MARK';
/**
 * Firewall marks are taken from 1 to this (14 bits): clear of the masquerade bit 0x4000, the
 * iptables proxy's drop bit 0x8000 and the firewall's 0x10000 and 0x20000. IPVS matches the
 * whole mark, so no other bit may be set on a DSR packet.
 */
export const DSR_MARK_MAX = 0x3fff;

/** One external IP, protocol and port served by DSR. */
export interface DsrFrontend {
  /** `192.168.70.10,tcp:8080`: what the firewall mark is kept for. */
  readonly key: string;
  readonly ip: string;
  readonly family: IPFamily;
  readonly protocol: IpvsProtocol;
  readonly port: number;
}

/** The DSR frontends of one service port, and why the rest of what it asks is proxied with NAT. */
export interface DsrDecision {
  readonly frontends: readonly DsrFrontend[];
  readonly skips: readonly string[];
}

const NONE: DsrDecision = { frontends: [], skips: [] };

/** `app/web port "http"/TCP`: how skip lines name a service port. */
export function servicePortName(servicePort: ServicePortPlan): string {
  return `${servicePort.service} port ${JSON.stringify(servicePort.portName)}/${servicePort.protocol}`;
}

/** The key of a DSR frontend (canonical address, lower-case protocol). */
export function dsrFrontendKey(ip: string, protocol: IpvsProtocol, port: number): string {
  return `${canonicalAddress(ip)},${protocol.toLowerCase()}:${port}`;
}

/**
 * Which frontends of `servicePort` are served by DSR: none without the annotation; with it,
 * its IPv4 ExternalIP and LoadBalancer frontends, unless an endpoint of one listens on another
 * port than the frontend's (then none: the whole service port is proxied with NAT).
 *
 * @param podNetwork whether the backend can reach endpoint pods' namespaces (without, DSR is a skip)
 */
export function dsrDecision(servicePort: ServicePortPlan, podNetwork: boolean): DsrDecision {
  const mode = servicePort.kubeRouter?.dsr;
  if (mode === undefined) return NONE;
  const name = `${servicePortName(servicePort)}: DSR (kube-router.io/service.dsr=${JSON.stringify(mode)})`;
  if (!podNetwork) {
    return { frontends: [], skips: [`${name} needs the pod network port of the IPVS backend (podNetwork) to set up the endpoints' tunnel interfaces; the service is proxied with NAT`] };
  }
  const external = servicePort.frontends.filter((frontend) => (frontend.kind === 'ExternalIP' || frontend.kind === 'LoadBalancer') && frontend.ip !== undefined);
  const skips: string[] = [];
  const masqueraded = external.find((frontend) => frontend.masquerade !== 'never');
  if (masqueraded !== undefined) {
    // The masquerade mark would spoil the exact firewall mark, and the endpoint could not answer the client itself.
    return { frontends: [], skips: [`${name}: the plan masquerades ${masqueraded.ip}:${masqueraded.port} (plan with directServerReturn to serve DSR); the service is proxied with NAT`] };
  }
  if (external.some((frontend) => frontend.family === 'IPv6')) skips.push(`${name} over IPv6 is not implemented yet; its IPv6 external IPs are proxied with NAT`);
  const frontends: DsrFrontend[] = [];
  for (const frontend of external.filter((one) => one.family === 'IPv4')) {
    const other = frontendEndpoints(servicePort, frontend).find((endpoint) => endpoint.port !== frontend.port);
    if (other !== undefined) {
      return {
        frontends: [],
        skips: [...skips, `${name} needs the endpoint port to equal the service port (IPVS tunnelling keeps the port), but ${frontend.ip}:${frontend.port} has an endpoint on port ${other.port}; the service is proxied with NAT`],
      };
    }
    const ip = canonicalAddress(frontend.ip ?? '');
    const key = dsrFrontendKey(ip, servicePort.protocol, frontend.port);
    if (!frontends.some((one) => one.key === key)) frontends.push({ key, ip, family: frontend.family, protocol: servicePort.protocol, port: frontend.port });
  }
  return { frontends, skips };
}

/** `0x1a2b`: a mark as iptables and ip write it. */
export function markText(mark: number): string {
  return `0x${mark.toString(16)}`;
}

/**
 * The `iptables-restore --noflush` payload of the marking chain (declaring it flushes it): one
 * rule per DSR frontend, in key order, setting the whole mark.
 */
export function dsrMarkPayload(marks: readonly { readonly frontend: DsrFrontend; readonly mark: number }[]): string {
  const lines = ['*mangle', `:${DSR_MARK_CHAIN} - [0:0]`];
  for (const { frontend, mark } of [...marks].sort((a, b) => (a.frontend.key < b.frontend.key ? -1 : a.frontend.key > b.frontend.key ? 1 : 0))) {
    const protocol = frontend.protocol.toLowerCase();
    lines.push(`-A ${DSR_MARK_CHAIN} -d ${frontend.ip}/32 -p ${protocol} -m ${protocol} --dport ${frontend.port} -j MARK --set-xmark ${markText(mark)}/0xffffffff`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The payload that empties and deletes the marking chain (after its jump is gone). */
export function dsrMarkRemovalPayload(): string {
  return ['*mangle', `:${DSR_MARK_CHAIN} - [0:0]`, `-X ${DSR_MARK_CHAIN}`, 'COMMIT', ''].join('\n');
}

/** One command of the pod side: program and arguments, and the exit codes that are fine. */
export interface PodCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly allowedExitCodes?: readonly number[];
}

/** Creates `kube-tunnel-if` in a pod whose IP is `podIP` (run when `ip link show` says it is missing). */
export function tunnelCreateCommand(podIP: string): PodCommand {
  return { command: 'ip', args: ['link', 'add', DSR_TUNNEL_INTERFACE, 'type', 'ipip', 'local', canonicalAddress(podIP)] };
}

/** Brings the tunnel up and turns reverse path filtering off on it and on `all` (the kernel takes the larger). */
export function tunnelPrepareCommands(): PodCommand[] {
  return [
    { command: 'ip', args: ['link', 'set', DSR_TUNNEL_INTERFACE, 'up'] },
    { command: 'sysctl', args: ['-q', '-w', 'net.ipv4.conf.all.rp_filter=0', `net.ipv4.conf.${DSR_TUNNEL_INTERFACE}.rp_filter=0`] },
  ];
}

/** Puts external IP `ip` on the pod's tunnel (`replace`: already there is fine). */
export function vipAddCommand(ip: string): PodCommand {
  return { command: 'ip', args: ['address', 'replace', `${canonicalAddress(ip)}/32`, 'dev', DSR_TUNNEL_INTERFACE] };
}

/** Takes external IP `ip` off the pod's tunnel (exit 2: it was not there). */
export function vipRemoveCommand(ip: string): PodCommand {
  return { command: 'ip', args: ['address', 'del', `${canonicalAddress(ip)}/32`, 'dev', DSR_TUNNEL_INTERFACE], allowedExitCodes: [2] };
}
