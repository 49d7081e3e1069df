/**
 * The IPVS port: the kernel's virtual server table (what `ipvsadm` shows) in plain data. A
 * virtual service is an address, port and protocol the kernel balances; its real servers are
 * where connections go. The real implementation speaks IPVS generic netlink in the network
 * namespace it was opened in; the fake keeps an in-memory table with the kernel's rules.
 *
 * Failures reject with a `NetlinkError` (see `./netlink.ts`) whose `code` is the errno name
 * the kernel answered: `EEXIST` (already there), `ESRCH` (no such virtual service), `ENOENT`
 * (no such real server), `ENOENT` also for an unknown scheduler.
 *
 * @module
 */
import type { IPFamily } from '../model/index.js';

/** Protocols a TCP/UDP/SCTP virtual service balances. */
export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * What identifies a virtual service: ipvsadm's `-t|-u|--sctp-service ADDR:PORT`, or with
 * `fwmark` its `-f MARK` (a firewall-mark service matches packets carrying that mark, whatever
 * their address, protocol and port; `address` is then the family's unspecified address, `port`
 * 0, and `protocol` not sent).
 */
export interface VirtualServiceKey {
  readonly family: IPFamily;
  readonly protocol: IpvsProtocol;
  /** The virtual IP, as text. */
  readonly address: string;
  readonly port: number;
  /** The firewall mark of a firewall-mark service (1 or more); undefined for an address service. */
  readonly fwmark?: number | undefined;
}

/** A virtual service with its settings. */
export interface VirtualService extends VirtualServiceKey {
  /** Scheduler name: `rr`, `wrr`, `lc`, `wlc`, `sh`, `dh`, `mh`, ... */
  readonly scheduler: string;
  /**
   * `IP_VS_SVC_F_*` bits (persistent 0x1, one-packet 0x4, scheduler flags 0x8, 0x10, 0x20).
   * The kernel's own `HASHED` bit (0x2) is never part of this: listings drop it.
   */
  readonly flags: number;
  /** Persistence timeout in seconds (meaningful with the persistent flag; 0 otherwise). */
  readonly timeoutSeconds: number;
  /**
   * Persistence netmask as a prefix length: clients whose addresses share this many leading
   * bits share a persistence entry (32 for IPv4 and 128 for IPv6: one entry per client).
   */
  readonly netmaskPrefix: number;
}

/** How a real server is reached. This project programs masquerade (NAT), and tunnel for DSR. */
export type ForwardingMethod = 'masquerade' | 'local' | 'tunnel' | 'route';

/** What identifies a real server within its virtual service. */
export interface RealServerKey {
  readonly family: IPFamily;
  readonly address: string;
  readonly port: number;
}

/** A real server with its settings. */
export interface RealServer extends RealServerKey {
  readonly forwarding: ForwardingMethod;
  /** 0 takes no new connections (graceful termination) but keeps the ones it has. */
  readonly weight: number;
  /** Upper connection threshold; 0 is none. */
  readonly upperThreshold: number;
  /** Lower connection threshold; 0 is none. */
  readonly lowerThreshold: number;
}

/** A real server as the kernel lists it, with its connection counters. */
export interface KernelRealServer extends RealServer {
  readonly activeConnections: number;
  readonly inactiveConnections: number;
}

/**
 * The IPVS requests of the service proxy. Every method is one kernel request (a dump for the
 * listings).
 */
export interface IpvsPort {
  /** Every virtual service of the namespace (address services and firewall-mark services). */
  listServices(): Promise<VirtualService[]>;
  /** Adds a virtual service; `EEXIST` when there is one with the key. */
  addService(service: VirtualService): Promise<void>;
  /** Changes a virtual service's scheduler, flags, timeout and netmask; `ESRCH` when absent. */
  editService(service: VirtualService): Promise<void>;
  /** Deletes a virtual service and its real servers; `ESRCH` when absent. */
  deleteService(key: VirtualServiceKey): Promise<void>;
  /** The real servers of a virtual service; `ESRCH` when absent. */
  listRealServers(service: VirtualServiceKey): Promise<KernelRealServer[]>;
  /** Adds a real server; `EEXIST` when the service has one with the key, `ESRCH` without the service. */
  addRealServer(service: VirtualServiceKey, server: RealServer): Promise<void>;
  /** Changes a real server's forwarding, weight and thresholds; `ENOENT` when absent. */
  editRealServer(service: VirtualServiceKey, server: RealServer): Promise<void>;
  /** Deletes a real server; `ENOENT` when absent. */
  deleteRealServer(service: VirtualServiceKey, server: RealServerKey): Promise<void>;
  /** Releases the socket. */
  close(): Promise<void>;
}

/**
 * `TCP 10.96.0.1:443` (`[fd00::1]:443` for IPv6), `FWM 4660` (`FWM 4660 IPv6`) for a
 * firewall-mark service: how logs and errors name a virtual service.
 */
export function virtualServiceText(key: VirtualServiceKey): string {
  if (key.fwmark !== undefined) return key.family === 'IPv6' ? `FWM ${key.fwmark} IPv6` : `FWM ${key.fwmark}`;
  return `${key.protocol} ${hostPort(key.address, key.port, key.family)}`;
}

/** `10.1.1.5:8080` or `[fd00::5]:8080`. */
export function hostPort(address: string, port: number, family: IPFamily): string {
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Injection token for the {@link IpvsPort} (tsyringe). */
export const IPVS_PORT = Symbol.for('kube-router.IpvsPort');
