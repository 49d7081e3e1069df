import type { ProgrammedState, SyncOptions } from '../../core/backend/backend.js';
import type { ProxyBackend } from '../../core/backend/concern-backends.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/controller/clock.js';
import { BackendError } from '../../core/errors.js';
import { fragmentChanges } from '../../core/plan/fragment-map.js';
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { SyncReport } from '../../core/plan/sync-report.js';
import type { IpvsPort, KernelRealServer, RealServer, VirtualService } from '../../core/ports/ipvs.js';
import { isNetlinkError } from '../../core/ports/netlink.js';
import type { VipInterface } from './dummy-interface.js';
import { VipLedger } from './vip-ledger.js';
import type { IpvsNetfilter } from './ipvs-netfilter.js';
import { realServerId, virtualServiceId } from './fake-ipvs-port.js';
import { sameServerSettings, sameServiceSettings, servicePortSkips, virtualServiceSpecs, type VirtualServiceSpec } from './ipvs-service-specs.js';

/** kube-router's default `--ipvs-graceful-period`. */
export const DEFAULT_GRACE_PERIOD_MS = 30_000;

/** How often draining real servers' connection counters are read, by default. */
export const DEFAULT_DRAIN_CHECK_INTERVAL_MS = 5_000;

/** Options of {@link IpvsProxyBackend}. */
export interface IpvsProxyBackendOptions {
  /** How long a removed real server keeps weight 0 before it is deleted; default 30 s. */
  readonly gracePeriodMs?: number;
  /**
   * While real servers drain, how often their virtual services' connection counters are read
   * to delete the ones whose connections have ended; default 5 s.
   */
  readonly drainCheckIntervalMs?: number;
  /** The clock of the grace period; default the system clock. */
  readonly clock?: Clock;
  /**
   * Told each thing of the plan the backend leaves out (DSR, a source range that does not
   * parse), once per sync that writes its service port; default: `console.warn`.
   */
  readonly onSkip?: ((line: string) => void) | undefined;
  /** The ipsets and iptables rules (filtering, masquerade); none: IPVS and VIPs only (unit tests). */
  readonly netfilter?: IpvsNetfilter | undefined;
}

/** A virtual service as this backend programmed it. */
interface ProgrammedService {
  service: VirtualService;
  /** The service port key whose frontend it is. */
  readonly owner: string;
  readonly localAddress?: string | undefined;
  readonly servers: Map<string, RealServer>;
}

/** A virtual service with its real servers, as the kernel lists them. */
export interface KernelVirtualService {
  readonly service: VirtualService;
  readonly servers: readonly KernelRealServer[];
}

function asBackendError(error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  return new BackendError('ipvs', [], undefined, '', error instanceof Error ? error.message : String(error));
}

/**
 * kube-router's IPVS service proxy: a virtual service per frontend address of each service port
 * (ClusterIP, ExternalIP, LoadBalancer IPs, and NodePorts on every NodePort address of their
 * family), real servers from the frontend's endpoint set (masquerade forwarding), the
 * scheduler and flags of the `kube-router.io/service.*` annotations, persistence for ClientIP
 * affinity. VIPs go on the dummy interface ({@link VipInterface}).
 *
 * Incremental: it remembers what it programmed per service port and rewrites only the service
 * ports `fragmentChanges` names, each as a diff of virtual services and real servers; nothing
 * in a partial sync walks the other service ports (VIPs are reference-counted, set members
 * too), so an endpoint change costs the same at 10 or 10,000 services. A real server that
 * leaves is set to weight 0 and deleted when its connections have ended (ActiveConn +
 * InActConn = 0, read from the dump of its own virtual service on each sync and every
 * `drainCheckIntervalMs` while something drains) or when the grace period ends, whichever
 * comes first; a returning one is given its weight back. The kernel's service list is read
 * only on the first sync and on `resync`, which repairs drift. A failed sync puts the service
 * ports it touched back as the previous plan had them (best effort: IPVS has no transactions)
 * and rejects with a `BackendError`.
 *
 * With an {@link IpvsNetfilter}, the plan's masquerade and no-endpoint decisions, the VIP
 * filtering and the LoadBalancer source ranges are ipsets matched by constant iptables rules
 * (`-m ipvs --vdir ORIGINAL --vmethod MASQ -j MASQUERADE`, the `kube-router-svip` sets, the
 * `kube-router-lb-fw` / `kube-router-lb-src` pair); see `./ipvs-iptables-render.ts`. The
 * plan's short circuit for Local external frontends is a DNAT to the service's cluster IP
 * before IPVS sees the packet; see `./ipvs-short-circuit.ts`.
 *
 * Not implemented yet: DSR (`kube-router.io/service.dsr`): such a service is proxied with
 * masquerade and the backend logs and counts the skip (`onSkip`, `describe`).
 */
export class IpvsProxyBackend implements ProxyBackend {
  /** Backend name. */
  readonly name = 'ipvs';
  /** Concern. */
  readonly concern = 'proxy' as const;
  private readonly gracePeriodMs: number;
  private readonly drainCheckIntervalMs: number;
  private readonly clock: Clock;
  private readonly netfilter: IpvsNetfilter | undefined;
  private lastPlan: ProxyPlan | undefined;
  private readonly programmed = new Map<string, ProgrammedService>();
  private readonly byOwner = new Map<string, Set<string>>();
  /** `serviceId|serverId` to the time it may be deleted. */
  private readonly terminating = new Map<string, number>();
  private readonly vips: VipLedger;
  private timer: TimerHandle | undefined;
  private readonly onSkip: (line: string) => void;
  /** Skip lines by service port key, for {@link describe}. */
  private readonly skipped = new Map<string, readonly string[]>();
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param port the IPVS table it programs
   * @param vipInterface where the VIPs go (`kube-dummy-if`)
   */
  constructor(
    private readonly port: IpvsPort,
    vipInterface: VipInterface,
    options: IpvsProxyBackendOptions = {},
  ) {
    this.gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.drainCheckIntervalMs = options.drainCheckIntervalMs ?? DEFAULT_DRAIN_CHECK_INTERVAL_MS;
    this.clock = options.clock ?? systemClock;
    this.netfilter = options.netfilter;
    this.vips = new VipLedger(vipInterface);
    this.onSkip = options.onSkip ?? ((line) => console.warn(`ipvs proxy: ${line}`));
  }

  /** See `Backend.sync`. */
  sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    return this.exclusive(() => this.syncNow(plan, options.resync === true));
  }

  /** Deletes every virtual service it programmed and the dummy interface. */
  cleanup(): Promise<void> {
    return this.exclusive(async () => {
      this.cancelTimer();
      for (const id of [...this.programmed.keys()]) await this.deleteService(id);
      try {
        await this.netfilter?.cleanup();
        await this.vips.removeAll();
      } catch (error) {
        throw asBackendError(error);
      }
      this.skipped.clear();
      this.terminating.clear();
      this.lastPlan = undefined;
    });
  }

  /** See `Backend.describe`. */
  async describe(): Promise<ProgrammedState<ProxyPlan>> {
    const servers = [...this.programmed.values()].reduce((sum, entry) => sum + entry.servers.size, 0);
    return {
      backend: this.name,
      concern: this.concern,
      plan: this.lastPlan,
      summary: [
        `${this.programmed.size} virtual services, ${servers} real servers (${this.terminating.size} terminating), ${this.vips.size} VIPs`,
        ...(this.skipped.size > 0 ? [`${[...this.skipped.values()].reduce((sum, lines) => sum + lines.length, 0)} skipped (not implemented yet or invalid), in ${this.skipped.size} service ports`] : []),
      ],
    };
  }

  /** The kernel's listing of the virtual services this backend programmed, with their real servers. */
  kernelState(): Promise<KernelVirtualService[]> {
    return this.exclusive(async () => {
      const ours = (await this.port.listServices()).filter((service) => this.programmed.has(virtualServiceId(service)));
      const out: KernelVirtualService[] = [];
      for (const service of ours) out.push({ service, servers: await this.port.listRealServers(service) });
      return out;
    });
  }

  /**
   * Deletes the draining real servers whose grace period has passed or whose connections have
   * ended (also done on every sync, and by a timer every `drainCheckIntervalMs` while some drain).
   */
  reapTerminating(): Promise<void> {
    return this.exclusive(() => this.reapNow());
  }

  /** Stops the grace period timer (the process can exit); programmed state stays. */
  close(): void {
    this.cancelTimer();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(plan: ProxyPlan, resync: boolean): Promise<SyncReport> {
    const started = this.clock.now();
    const previous = this.lastPlan;
    const full = resync || previous === undefined || previous.node !== plan.node || JSON.stringify(previous.settings) !== JSON.stringify(plan.settings);
    // Only a full sync walks every service port; a partial one costs what changed.
    const changes = full
      ? { changed: [...plan.servicePorts.keys()], removed: [...this.byOwner.keys()].filter((key) => !plan.servicePorts.has(key)) }
      : fragmentChanges(previous.servicePorts, plan.servicePorts);
    const touched = [...changes.changed, ...changes.removed];
    let netfilterChanged = false;
    try {
      await this.netfilter?.apply(plan, touched, full);
      netfilterChanged = true;
      if (full) await this.readBack(plan);
      for (const key of touched) await this.reconcile(plan, key);
      await this.vips.write();
      await this.reapNow();
    } catch (error) {
      await this.rollback(previous, touched);
      if (netfilterChanged && previous !== undefined) {
        await this.netfilter?.apply(previous, touched, full).catch(() => undefined);
      }
      throw asBackendError(error);
    }
    this.lastPlan = plan;
    this.noteSkips(plan, touched);
    return {
      concern: 'proxy',
      backend: this.name,
      full,
      changed: changes.changed.length,
      removed: changes.removed.length,
      unchanged: plan.servicePorts.size - changes.changed.length,
      durationSeconds: Math.max(0, this.clock.now() - started) / 1000,
      payload: { lines: this.netfilter?.lastPayloadLines ?? 0 },
    };
  }

  /** Counts and tells what the written service ports leave out. */
  private noteSkips(plan: ProxyPlan, keys: readonly string[]): void {
    for (const key of keys) {
      const servicePort = plan.servicePorts.get(key);
      const lines = servicePort === undefined ? [] : servicePortSkips(plan, servicePort);
      if (lines.length === 0) this.skipped.delete(key);
      else this.skipped.set(key, lines);
      for (const line of lines) this.onSkip(line);
    }
  }

  /** Puts the touched service ports back as `previous` had them (or removes them), ignoring failures. */
  private async rollback(previous: ProxyPlan | undefined, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.reconcile(previous, key);
      } catch {
        // Best effort: the next sync compares with what is remembered and repairs the rest.
      }
    }
    await this.vips.write().catch(() => undefined);
  }

  /** Replaces the memory of the services the plan wants or the backend made with the kernel's listing. */
  private async readBack(plan: ProxyPlan): Promise<void> {
    const kernel = new Map((await this.port.listServices()).map((service) => [virtualServiceId(service), service]));
    const wanted = new Map<string, { owner: string; spec: VirtualServiceSpec }>();
    for (const servicePort of plan.servicePorts.values()) {
      for (const spec of virtualServiceSpecs(plan, servicePort).values()) if (!wanted.has(spec.id)) wanted.set(spec.id, { owner: servicePort.key, spec });
    }
    for (const id of new Set([...this.programmed.keys(), ...wanted.keys()])) {
      const service = kernel.get(id);
      const known = this.programmed.get(id);
      this.forget(id);
      if (service === undefined) continue;
      const owner = known?.owner ?? wanted.get(id)?.owner ?? '';
      const servers = new Map((await this.port.listRealServers(service)).map((server) => [realServerId(server), server as RealServer]));
      this.remember(id, { service, owner, localAddress: known?.localAddress ?? wanted.get(id)?.spec.localAddress, servers });
    }
    for (const key of [...this.terminating.keys()]) {
      const [serviceId = '', serverId = ''] = key.split('|');
      if (this.programmed.get(serviceId)?.servers.has(serverId) !== true) this.terminating.delete(key);
    }
    await this.vips.readBack();
  }

  /** Makes the kernel hold what `plan` wants for service port `key` (nothing when absent). */
  private async reconcile(plan: ProxyPlan | undefined, key: string): Promise<void> {
    const servicePort = plan?.servicePorts.get(key);
    const desired = plan !== undefined && servicePort !== undefined ? virtualServiceSpecs(plan, servicePort) : new Map<string, VirtualServiceSpec>();
    for (const id of [...(this.byOwner.get(key) ?? [])]) if (!desired.has(id)) await this.deleteService(id);
    for (const spec of desired.values()) {
      let current = this.programmed.get(spec.id);
      // Another service port's frontend at the same address and port keeps it.
      if (current !== undefined && current.owner !== key && plan?.servicePorts.has(current.owner) === true) continue;
      if (current === undefined) {
        await this.port.addService(spec.service);
        current = { service: spec.service, owner: key, localAddress: spec.localAddress, servers: new Map() };
      } else if (!sameServiceSettings(current.service, spec.service)) {
        await this.port.editService(spec.service);
        current = { ...current, service: spec.service };
      }
      this.remember(spec.id, { ...current, owner: key, localAddress: spec.localAddress });
      await this.reconcileServers(spec, current.servers);
    }
  }

  private async reconcileServers(spec: VirtualServiceSpec, servers: Map<string, RealServer>): Promise<void> {
    for (const [serverId, server] of spec.servers) {
      const existing = servers.get(serverId);
      if (existing === undefined) await this.port.addRealServer(spec.service, server);
      else if (!sameServerSettings(existing, server)) await this.port.editRealServer(spec.service, server);
      servers.set(serverId, server);
      this.terminating.delete(`${spec.id}|${serverId}`);
    }
    for (const [serverId, server] of servers) {
      const pendingKey = `${spec.id}|${serverId}`;
      if (spec.servers.has(serverId) || this.terminating.has(pendingKey)) continue;
      if (server.weight !== 0) {
        const drained = { ...server, weight: 0 };
        await this.port.editRealServer(spec.service, drained);
        servers.set(serverId, drained);
      }
      this.terminating.set(pendingKey, this.clock.now() + this.gracePeriodMs);
      this.scheduleReap();
    }
  }

  private async deleteService(id: string): Promise<void> {
    const entry = this.programmed.get(id);
    if (entry === undefined) return;
    try {
      await this.port.deleteService(entry.service);
    } catch (error) {
      if (!isNetlinkError(error, 'ESRCH')) throw error;
    }
    this.forget(id);
    for (const key of [...this.terminating.keys()]) if (key.startsWith(`${id}|`)) this.terminating.delete(key);
  }

  private remember(id: string, entry: ProgrammedService): void {
    this.forget(id);
    this.programmed.set(id, entry);
    let owned = this.byOwner.get(entry.owner);
    if (owned === undefined) this.byOwner.set(entry.owner, (owned = new Set()));
    owned.add(id);
    if (entry.localAddress !== undefined) this.vips.count(entry.localAddress, 1);
  }

  private forget(id: string): void {
    const entry = this.programmed.get(id);
    if (entry === undefined) return;
    this.programmed.delete(id);
    const owned = this.byOwner.get(entry.owner);
    owned?.delete(id);
    if (owned?.size === 0) this.byOwner.delete(entry.owner);
    if (entry.localAddress !== undefined) this.vips.count(entry.localAddress, -1);
  }

  /**
   * Deletes the draining real servers whose grace period has passed or that have no
   * connection left (ActiveConn + InActConn = 0). The counters come from one dump of each
   * virtual service that has a draining server still inside its grace period, and of no other.
   */
  private async reapNow(): Promise<void> {
    const now = this.clock.now();
    const byService = new Map<string, { serverId: string; deadline: number }[]>();
    for (const [pendingKey, deadline] of this.terminating) {
      const [serviceId = '', serverId = ''] = pendingKey.split('|');
      let pending = byService.get(serviceId);
      if (pending === undefined) byService.set(serviceId, (pending = []));
      pending.push({ serverId, deadline });
    }
    for (const [serviceId, pending] of byService) {
      const entry = this.programmed.get(serviceId);
      if (entry === undefined) {
        for (const { serverId } of pending) this.terminating.delete(`${serviceId}|${serverId}`);
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
        this.terminating.delete(`${serviceId}|${serverId}`);
      }
    }
    this.cancelTimer();
    if (this.terminating.size > 0) this.scheduleReap();
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
  private scheduleReap(): void {
    if (this.timer !== undefined) return;
    const next = Math.min(Math.min(...this.terminating.values()), this.clock.now() + this.drainCheckIntervalMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.reapTerminating().catch(() => undefined);
    }, Math.max(0, next - this.clock.now()));
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
