import type {
  IpvsPort,
  KernelRealServer,
  RealServer,
  RealServerKey,
  VirtualService,
  VirtualServiceKey,
} from '../../core/ports/ipvs.js';
import { hostPort, virtualServiceText } from '../../core/ports/ipvs.js';
import { NetlinkError } from '../../core/ports/netlink.js';
import { canonicalAddress } from './netlink-attributes.js';

/** The name of one request a port served, for tests that count kernel work. */
export type IpvsOperation =
  | 'listServices'
  | 'addService'
  | 'editService'
  | 'deleteService'
  | 'listRealServers'
  | 'addRealServer'
  | 'editRealServer'
  | 'deleteRealServer';

/** One request the fake served: its name and the virtual service (and real server) it named. */
export interface RecordedIpvsOperation {
  readonly operation: IpvsOperation;
  /** `TCP 10.96.0.10:80`; undefined for `listServices`. */
  readonly service?: string | undefined;
  /** `10.1.1.5:8080` for real server requests. */
  readonly server?: string | undefined;
}

/** The key of a virtual service as text, canonical address included. */
export function virtualServiceId(key: VirtualServiceKey): string {
  return virtualServiceText({ ...key, address: canonicalAddress(key.address) });
}

/** The key of a real server as text, canonical address included. */
export function realServerId(key: RealServerKey): string {
  return hostPort(canonicalAddress(key.address), key.port, key.family);
}

interface FakeService {
  service: VirtualService;
  readonly servers: Map<string, KernelRealServer>;
}

/** Schedulers the kernel VM's Debian kernel has as modules; others answer `ENOENT`, as there. */
const KNOWN_SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);

function copyService(service: VirtualService): VirtualService {
  const { family, protocol, address, port, fwmark, scheduler, flags, timeoutSeconds, netmaskPrefix } = service;
  const key = { family, protocol, address: canonicalAddress(address), port, ...(fwmark === undefined ? {} : { fwmark }) };
  return { ...key, scheduler, flags, timeoutSeconds, netmaskPrefix };
}

function copyServer(server: RealServer): KernelRealServer {
  const { family, address, port, forwarding, weight, upperThreshold, lowerThreshold } = server;
  return { family, address: canonicalAddress(address), port, forwarding, weight, upperThreshold, lowerThreshold, activeConnections: 0, inactiveConnections: 0 };
}

/**
 * An in-memory IPVS table with the kernel's rules: a key is taken once (`EEXIST`), requests
 * on a missing virtual service answer `ESRCH` and on a missing real server `ENOENT`, an
 * unknown scheduler `ENOENT`, deleting a service drops its real servers. Listings are copies
 * in the kernel's order (insertion order here). It records every request
 * ({@link operations}) and can be told to fail one ({@link failNext}).
 */
export class FakeIpvsPort implements IpvsPort {
  private readonly services = new Map<string, FakeService>();
  private failure: { readonly operation: IpvsOperation; readonly code: string } | undefined;
  /** Every request served (failed ones included), in order. */
  readonly operations: RecordedIpvsOperation[] = [];

  /** Makes the next request named `operation` fail with errno `code`, before changing anything. */
  failNext(operation: IpvsOperation, code = 'ENOMEM'): this {
    this.failure = { operation, code };
    return this;
  }

  /**
   * Sets the connection counters a real server lists with (the kernel counts them from
   * traffic; here a test says them). Not a request: nothing is recorded.
   */
  setConnections(service: VirtualServiceKey, server: RealServerKey, active: number, inactive = 0): void {
    const id = virtualServiceId(service);
    const entry = this.existing(id, '-L');
    const serverId = realServerId(server);
    const current = entry.servers.get(serverId);
    if (current === undefined) throw new NetlinkError(['-L', id, '-r', serverId], 'ENOENT');
    entry.servers.set(serverId, { ...current, activeConnections: active, inactiveConnections: inactive });
  }

  /** Forgets the recorded requests (to count the next sync's alone). */
  clearOperations(): void {
    this.operations.length = 0;
  }

  /** How many recorded requests had one of these names. */
  count(...operations: IpvsOperation[]): number {
    return this.operations.filter((recorded) => operations.includes(recorded.operation)).length;
  }

  /** See {@link IpvsPort.listServices}. */
  async listServices(): Promise<VirtualService[]> {
    this.record('listServices', ['-L', '-n']);
    return [...this.services.values()].map((entry) => copyService(entry.service));
  }

  /** See {@link IpvsPort.addService}. */
  async addService(service: VirtualService): Promise<void> {
    const id = this.record('addService', ['-A', virtualServiceText(service)], service);
    if (this.services.has(id)) throw new NetlinkError(['-A', id], 'EEXIST');
    this.checkScheduler(service, '-A');
    this.services.set(id, { service: copyService(service), servers: new Map() });
  }

  /** See {@link IpvsPort.editService}. */
  async editService(service: VirtualService): Promise<void> {
    const id = this.record('editService', ['-E', virtualServiceText(service)], service);
    const entry = this.existing(id, '-E');
    this.checkScheduler(service, '-E');
    entry.service = copyService(service);
  }

  /** See {@link IpvsPort.deleteService}. */
  async deleteService(key: VirtualServiceKey): Promise<void> {
    const id = this.record('deleteService', ['-D', virtualServiceText(key)], key);
    this.existing(id, '-D');
    this.services.delete(id);
  }

  /** See {@link IpvsPort.listRealServers}. */
  async listRealServers(service: VirtualServiceKey): Promise<KernelRealServer[]> {
    const id = this.record('listRealServers', ['-L', '-n', virtualServiceText(service)], service);
    return [...this.existing(id, '-L').servers.values()].map((server) => ({ ...server }));
  }

  /** See {@link IpvsPort.addRealServer}. */
  async addRealServer(service: VirtualServiceKey, server: RealServer): Promise<void> {
    const id = this.record('addRealServer', ['-a', virtualServiceText(service)], service, server);
    const entry = this.existing(id, '-a');
    const serverId = realServerId(server);
    if (entry.servers.has(serverId)) throw new NetlinkError(['-a', id, '-r', serverId], 'EEXIST');
    entry.servers.set(serverId, copyServer(server));
  }

  /** See {@link IpvsPort.editRealServer}. */
  async editRealServer(service: VirtualServiceKey, server: RealServer): Promise<void> {
    const id = this.record('editRealServer', ['-e', virtualServiceText(service)], service, server);
    const entry = this.existing(id, '-e');
    const serverId = realServerId(server);
    const current = entry.servers.get(serverId);
    if (current === undefined) throw new NetlinkError(['-e', id, '-r', serverId], 'ENOENT');
    entry.servers.set(serverId, { ...copyServer(server), activeConnections: current.activeConnections, inactiveConnections: current.inactiveConnections });
  }

  /** See {@link IpvsPort.deleteRealServer}. */
  async deleteRealServer(service: VirtualServiceKey, server: RealServerKey): Promise<void> {
    const id = this.record('deleteRealServer', ['-d', virtualServiceText(service)], service, server);
    const entry = this.existing(id, '-d');
    const serverId = realServerId(server);
    if (!entry.servers.delete(serverId)) throw new NetlinkError(['-d', id, '-r', serverId], 'ENOENT');
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  /** Records the request, throws the scripted failure if it is this one, and returns the service id. */
  private record(operation: IpvsOperation, words: string[], service?: VirtualServiceKey, server?: RealServerKey): string {
    const id = service === undefined ? '' : virtualServiceId(service);
    this.operations.push({
      operation,
      service: service === undefined ? undefined : id,
      server: server === undefined ? undefined : realServerId(server),
    });
    if (this.failure?.operation === operation) {
      const { code } = this.failure;
      this.failure = undefined;
      throw new NetlinkError(words, code);
    }
    return id;
  }

  private existing(id: string, option: string): FakeService {
    const entry = this.services.get(id);
    if (entry === undefined) throw new NetlinkError([option, id], 'ESRCH');
    return entry;
  }

  private checkScheduler(service: VirtualService, option: string): void {
    if (!KNOWN_SCHEDULERS.has(service.scheduler)) throw new NetlinkError([option, virtualServiceText(service), '-s', service.scheduler], 'ENOENT');
  }
}
