import netlink from 'netlink';
import type {
  IpvsPort,
  KernelRealServer,
  RealServer,
  RealServerKey,
  VirtualService,
  VirtualServiceKey,
} from '../../core/ports/ipvs.js';
import { hostPort } from '../../core/ports/ipvs.js';
import { NetlinkError } from '../../core/ports/netlink.js';
import { IPVS_GENL_NAME } from './ipvs-constants.js';
import {
  deleteDestMessage,
  deleteServiceMessage,
  dumpDestsMessage,
  dumpServicesMessage,
  newDestMessage,
  newServiceMessage,
  parseDestReply,
  parseServiceReply,
  setDestMessage,
  setServiceMessage,
} from './ipvs-messages.js';

const { createGenericNetlink, FlagsGet, genl } = netlink;

/** Options of {@link GenericNetlinkIpvsPort.open}. */
export interface GenericNetlinkIpvsPortOptions {
  /** Per-request timeout; default 10 s (a wedged kernel request must not hang a sync forever). */
  readonly timeoutMs?: number;
}

type GenericSocket = ReturnType<typeof createGenericNetlink>;

/** The errno name of a rejected request, from the `netlink` package's error text. */
function errnoOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /Request rejected: (\S+)/.exec(message)?.[1] ?? message;
}

/**
 * The real {@link IpvsPort}: IPVS generic netlink over a socket opened in this process's
 * network namespace (the namespace it programs). {@link open} resolves the family id of
 * `IPVS` through the generic netlink controller; the kernel loads `ip_vs` on that request
 * when it can, and a kernel without IPVS answers `ENOENT`.
 *
 * Errors are `NetlinkError`s whose words read like the `ipvsadm` command doing the same
 * (`-a -t 10.96.0.10:80 -r 10.1.1.5:8080`).
 */
export class GenericNetlinkIpvsPort implements IpvsPort {
  private constructor(
    private readonly socket: GenericSocket,
    private readonly familyId: number,
    private readonly timeoutMs: number,
  ) {}

  /** Opens the socket and resolves the IPVS family; rejects with a `NetlinkError` when the kernel has none. */
  static async open(options: GenericNetlinkIpvsPortOptions = {}): Promise<GenericNetlinkIpvsPort> {
    const socket = createGenericNetlink();
    const timeoutMs = options.timeoutMs ?? 10_000;
    try {
      const [family] = await socket.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: IPVS_GENL_NAME }, { timeout: timeoutMs });
      if (family?.familyId === undefined) throw new Error('Request rejected: ENOENT');
      return new GenericNetlinkIpvsPort(socket, family.familyId, timeoutMs);
    } catch (error) {
      socket.socket.close();
      throw new NetlinkError(['genl', 'family', IPVS_GENL_NAME], errnoOf(error));
    }
  }

  /** See {@link IpvsPort.listServices}. */
  async listServices(): Promise<VirtualService[]> {
    const replies = await this.request(['-L', '-n'], dumpServicesMessage(), FlagsGet.DUMP);
    return replies.flatMap((reply) => parseServiceReply(reply) ?? []);
  }

  /** See {@link IpvsPort.addService}. */
  async addService(service: VirtualService): Promise<void> {
    await this.request(['-A', ...serviceWords(service), '-s', service.scheduler], newServiceMessage(service));
  }

  /** See {@link IpvsPort.editService}. */
  async editService(service: VirtualService): Promise<void> {
    await this.request(['-E', ...serviceWords(service), '-s', service.scheduler], setServiceMessage(service));
  }

  /** See {@link IpvsPort.deleteService}. */
  async deleteService(key: VirtualServiceKey): Promise<void> {
    await this.request(['-D', ...serviceWords(key)], deleteServiceMessage(key));
  }

  /** See {@link IpvsPort.listRealServers}. */
  async listRealServers(service: VirtualServiceKey): Promise<KernelRealServer[]> {
    const replies = await this.request(['-L', '-n', ...serviceWords(service)], dumpDestsMessage(service), FlagsGet.DUMP);
    return replies.flatMap((reply) => parseDestReply(reply, service.family) ?? []);
  }

  /** See {@link IpvsPort.addRealServer}. */
  async addRealServer(service: VirtualServiceKey, server: RealServer): Promise<void> {
    await this.request(['-a', ...serviceWords(service), ...serverWords(server), '-w', String(server.weight)], newDestMessage(service, server));
  }

  /** See {@link IpvsPort.editRealServer}. */
  async editRealServer(service: VirtualServiceKey, server: RealServer): Promise<void> {
    await this.request(['-e', ...serviceWords(service), ...serverWords(server), '-w', String(server.weight)], setDestMessage(service, server));
  }

  /** See {@link IpvsPort.deleteRealServer}. */
  async deleteRealServer(service: VirtualServiceKey, server: RealServerKey): Promise<void> {
    await this.request(['-d', ...serviceWords(service), ...serverWords(server)], deleteDestMessage(service, server));
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    this.socket.socket.close();
  }

  /** Sends one generic netlink payload (header included) and returns the replies' payloads. */
  private async request(words: readonly string[], payload: Buffer, flags = 0): Promise<Buffer[]> {
    try {
      const [messages] = await this.socket.socket.request(this.familyId, [payload], { flags, timeout: this.timeoutMs });
      return messages.filter((message) => message.type === this.familyId).map((message) => message.data);
    } catch (error) {
      throw new NetlinkError(words, errnoOf(error));
    }
  }
}

const PROTOCOL_OPTION = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' } as const;

function serviceWords(key: VirtualServiceKey): string[] {
  if (key.fwmark !== undefined) return ['-f', String(key.fwmark), ...(key.family === 'IPv6' ? ['-6'] : [])];
  return [PROTOCOL_OPTION[key.protocol], hostPort(key.address, key.port, key.family)];
}

function serverWords(server: RealServerKey): string[] {
  return ['-r', hostPort(server.address, server.port, server.family)];
}
