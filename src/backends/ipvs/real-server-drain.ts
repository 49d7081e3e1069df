/**
 * Graceful termination of IPVS real servers, as kube-router does it: a real server that
 * leaves its virtual service is set to weight 0 (by the reconciler) and deleted here once its
 * connections have ended (ActiveConn + InActConn = 0) or its grace period is over, whichever
 * comes first. The counters come from one dump of each virtual service that has a draining
 * server inside its grace period, and of no other; a timer looks again every
 * `drainCheckIntervalMs` while something drains.
 *
 * @module
 */
import type { Clock, TimerHandle } from '../../core/controller/clock.js';
import type { IpvsPort, VirtualService } from '../../core/ports/ipvs.js';
import { isNetlinkError } from '../../core/ports/netlink.js';
import { realServerId } from './fake-ipvs-port.js';
import type { ProgrammedServices } from './programmed-services.js';

/** Timing of {@link RealServerDrain}. */
export interface RealServerDrainTiming {
  /** How long a draining server may keep its connections before it is deleted anyway. */
  readonly gracePeriodMs: number;
  /** While servers drain, how often their virtual services' counters are read. */
  readonly drainCheckIntervalMs: number;
  /** The clock of both. */
  readonly clock: Clock;
}

function drainKey(serviceId: string, serverId: string): string {
  return `${serviceId}|${serverId}`;
}

function splitDrainKey(key: string): [serviceId: string, serverId: string] {
  const [serviceId = '', serverId = ''] = key.split('|');
  return [serviceId, serverId];
}

/** The draining real servers, each with the time it may be deleted, and the timer that reaps them. */
export class RealServerDrain {
  /** `serviceId|serverId` to the time it may be deleted. */
  private readonly deadlines = new Map<string, number>();
  private timer: TimerHandle | undefined;

  /**
   * @param port where the servers are deleted and the counters read
   * @param programmed the remembered services whose servers drain
   * @param timing grace period, check interval and clock
   * @param onTimer runs a reap when the timer fires (the backend serialises it with its syncs)
   */
  constructor(
    private readonly port: IpvsPort,
    private readonly programmed: ProgrammedServices,
    private readonly timing: RealServerDrainTiming,
    private readonly onTimer: () => Promise<void>,
  ) {}

  /** How many real servers drain. */
  get size(): number {
    return this.deadlines.size;
  }

  /** Whether server `serverId` of virtual service `serviceId` drains. */
  isDraining(serviceId: string, serverId: string): boolean {
    return this.deadlines.has(drainKey(serviceId, serverId));
  }

  /** Starts the grace period of a server just set to weight 0, and the timer. */
  start(serviceId: string, serverId: string): void {
    this.deadlines.set(drainKey(serviceId, serverId), this.timing.clock.now() + this.timing.gracePeriodMs);
    this.schedule();
  }

  /** A server the plan wants again: it no longer drains. */
  stop(serviceId: string, serverId: string): void {
    this.deadlines.delete(drainKey(serviceId, serverId));
  }

  /** Forgets the draining servers of a deleted virtual service. */
  forgetService(serviceId: string): void {
    for (const key of [...this.deadlines.keys()]) if (key.startsWith(`${serviceId}|`)) this.deadlines.delete(key);
  }

  /** Forgets the draining servers the remembered services no longer hold (after a read-back). */
  forgetUnprogrammed(): void {
    for (const key of [...this.deadlines.keys()]) {
      const [serviceId, serverId] = splitDrainKey(key);
      if (this.programmed.get(serviceId)?.servers.has(serverId) !== true) this.deadlines.delete(key);
    }
  }

  /** Forgets every draining server (cleanup). */
  clear(): void {
    this.deadlines.clear();
  }

  /**
   * Deletes the draining real servers whose grace period has passed or that have no
   * connection left, then sets the timer again if some still drain.
   */
  async reap(): Promise<void> {
    const now = this.timing.clock.now();
    const byService = new Map<string, { serverId: string; deadline: number }[]>();
    for (const [key, deadline] of this.deadlines) {
      const [serviceId, serverId] = splitDrainKey(key);
      let pending = byService.get(serviceId);
      if (pending === undefined) byService.set(serviceId, (pending = []));
      pending.push({ serverId, deadline });
    }
    for (const [serviceId, pending] of byService) {
      const entry = this.programmed.get(serviceId);
      if (entry === undefined) {
        for (const { serverId } of pending) this.deadlines.delete(drainKey(serviceId, serverId));
        continue;
      }
      const busy = pending.some(({ deadline }) => deadline > now) ? await this.busyServers(entry.service) : new Set<string>();
      for (const { serverId, deadline } of pending) {
        if (deadline > now && busy.has(serverId)) continue;
        const server = entry.servers.get(serverId);
        if (server !== undefined) {
          try {
            await this.port.deleteRealServer(entry.service, server);
          } catch (error) {
            if (!isNetlinkError(error, 'ENOENT', 'ESRCH')) throw error;
          }
          entry.servers.delete(serverId);
        }
        this.deadlines.delete(drainKey(serviceId, serverId));
      }
    }
    this.cancel();
    if (this.deadlines.size > 0) this.schedule();
  }

  /** Stops the timer; the draining servers stay remembered. */
  cancel(): void {
    if (this.timer !== undefined) this.timing.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The real servers of one virtual service that still have connections (none when the service is gone). */
  private async busyServers(service: VirtualService): Promise<Set<string>> {
    try {
      const listed = await this.port.listRealServers(service);
      return new Set(listed.filter((server) => server.activeConnections + server.inactiveConnections > 0).map((server) => realServerId(server)));
    } catch (error) {
      if (isNetlinkError(error, 'ESRCH')) return new Set();
      throw error;
    }
  }

  /** Wakes at the next grace period's end, or sooner to look at the connection counters again. */
  private schedule(): void {
    if (this.timer !== undefined) return;
    const { clock, drainCheckIntervalMs } = this.timing;
    const next = Math.min(Math.min(...this.deadlines.values()), clock.now() + drainCheckIntervalMs);
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.onTimer().catch(() => undefined);
    }, Math.max(0, next - clock.now()));
  }
}
