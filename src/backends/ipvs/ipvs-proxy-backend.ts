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
import type { IpvsNetfilter } from './ipvs-netfilter.js';
import { realServerId, virtualServiceId } from './fake-ipvs-port.js';
import { sameServerSettings, sameServiceSettings, virtualServiceSpecs, type VirtualServiceSpec } from './ipvs-service-specs.js';

/** kube-router's default `--ipvs-graceful-period`. */
export const DEFAULT_GRACE_PERIOD_MS = 30_000;

/** Options of {@link IpvsProxyBackend}. */
export interface IpvsProxyBackendOptions {
  /** How long a removed real server keeps weight 0 before it is deleted; default 30 s. */
  readonly gracePeriodMs?: number;
  /** The clock of the grace period; default the system clock. */
  readonly clock?: Clock;
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
 * ports `fragmentChanges` names, each as a diff of virtual services and real servers. A real
 * server that leaves is set to weight 0 and deleted after the grace period (a returning one is
 * given its weight back). The kernel is read only on the first sync and on `resync`, which
 * repairs drift. A failed sync puts the service ports it touched back as the previous plan
 * had them (best effort: IPVS has no transactions) and rejects with a `BackendError`.
 *
 * With an {@link IpvsNetfilter}, the plan's masquerade and no-endpoint decisions and the VIP
 * filtering are ipsets matched by constant iptables rules (`-m ipvs --vdir ORIGINAL
 * --vmethod MASQ -j MASQUERADE`, the `kube-router-svip` sets); see `./ipvs-iptables-render.ts`.
 *
 * Not implemented yet: the plan's short circuit for Local external frontends, LoadBalancer
 * source ranges and DSR; use the iptables or nftables proxy backend where those matter.
 */
export class IpvsProxyBackend implements ProxyBackend {
  /** Backend name. */
  readonly name = 'ipvs';
  /** Concern. */
  readonly concern = 'proxy' as const;
  private readonly gracePeriodMs: number;
  private readonly clock: Clock;
  private readonly netfilter: IpvsNetfilter | undefined;
  private lastPlan: ProxyPlan | undefined;
  private readonly programmed = new Map<string, ProgrammedService>();
  private readonly byOwner = new Map<string, Set<string>>();
  /** `serviceId|serverId` to the time it may be deleted. */
  private readonly terminating = new Map<string, number>();
  private vips = new Set<string>();
  private timer: TimerHandle | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param port the IPVS table it programs
   * @param vipInterface where the VIPs go (`kube-dummy-if`)
   */
  constructor(
    private readonly port: IpvsPort,
    private readonly vipInterface: VipInterface,
    options: IpvsProxyBackendOptions = {},
  ) {
    this.gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.clock = options.clock ?? systemClock;
    this.netfilter = options.netfilter;
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
        await this.vipInterface.removeAll();
      } catch (error) {
        throw asBackendError(error);
      }
      this.vips.clear();
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
      summary: [`${this.programmed.size} virtual services, ${servers} real servers (${this.terminating.size} terminating), ${this.vips.size} VIPs`],
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

  /** Deletes the real servers whose grace period has passed (also done on every sync and by a timer). */
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
    const keys = [...plan.servicePorts.keys()];
    const changes = full
      ? { changed: keys, removed: [...this.byOwner.keys()].filter((key) => !plan.servicePorts.has(key)) }
      : fragmentChanges(previous.servicePorts, plan.servicePorts);
    let netfilterChanged = false;
    try {
      await this.netfilter?.apply(plan, [...changes.changed, ...changes.removed], full);
      netfilterChanged = true;
      if (full) await this.readBack(plan);
      for (const key of [...changes.changed, ...changes.removed]) await this.reconcile(plan, key);
      await this.applyVips();
      await this.reapNow();
    } catch (error) {
      await this.rollback(previous, [...changes.changed, ...changes.removed]);
      if (netfilterChanged && previous !== undefined) {
        await this.netfilter?.apply(previous, [...changes.changed, ...changes.removed], full).catch(() => undefined);
      }
      throw asBackendError(error);
    }
    this.lastPlan = plan;
    return {
      concern: 'proxy',
      backend: this.name,
      full,
      changed: changes.changed.length,
      removed: changes.removed.length,
      unchanged: keys.length - changes.changed.length,
      durationSeconds: Math.max(0, this.clock.now() - started) / 1000,
    };
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
    await this.applyVips().catch(() => undefined);
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
    this.vips = new Set(await this.vipInterface.list());
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
  }

  private forget(id: string): void {
    const entry = this.programmed.get(id);
    if (entry === undefined) return;
    this.programmed.delete(id);
    const owned = this.byOwner.get(entry.owner);
    owned?.delete(id);
    if (owned?.size === 0) this.byOwner.delete(entry.owner);
  }

  /** Adds the VIPs programmed services need and removes those none needs any more, in one step. */
  private async applyVips(): Promise<void> {
    const wanted = new Set<string>();
    for (const entry of this.programmed.values()) if (entry.localAddress !== undefined) wanted.add(entry.localAddress);
    const add = [...wanted].filter((address) => !this.vips.has(address)).sort();
    const remove = [...this.vips].filter((address) => !wanted.has(address)).sort();
    await this.vipInterface.apply(add, remove);
    this.vips = wanted;
  }

  private async reapNow(): Promise<void> {
    const now = this.clock.now();
    for (const [pendingKey, deadline] of [...this.terminating]) {
      if (deadline > now) continue;
      const [serviceId = '', serverId = ''] = pendingKey.split('|');
      const entry = this.programmed.get(serviceId);
      const server = entry?.servers.get(serverId);
      if (entry !== undefined && server !== undefined) {
        try {
          await this.port.deleteRealServer(entry.service, server);
        } catch (error) {
          if (!isNetlinkError(error, 'ENOENT', 'ESRCH')) throw error;
        }
        entry.servers.delete(serverId);
      }
      this.terminating.delete(pendingKey);
    }
    if (this.terminating.size > 0) this.scheduleReap();
  }

  private scheduleReap(): void {
    if (this.timer !== undefined) return;
    const next = Math.min(...this.terminating.values());
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
