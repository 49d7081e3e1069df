import type { ProgrammedState, SyncOptions } from '../../core/backend/backend.js';
import type { ProxyBackend } from '../../core/backend/concern-backends.js';
import { systemClock, type Clock } from '../../core/controller/clock.js';
import { BackendError } from '../../core/errors.js';
import { fragmentChanges } from '../../core/plan/fragment-map.js';
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { SyncReport } from '../../core/plan/sync-report.js';
import type { IpvsPort, KernelRealServer, VirtualService } from '../../core/ports/ipvs.js';
import type { VipInterface } from './dummy-interface.js';
import { VipLedger } from './vip-ledger.js';
import type { IpvsNetfilter } from './ipvs-netfilter.js';
import { virtualServiceId } from './fake-ipvs-port.js';
import { servicePortSkips } from './ipvs-service-specs.js';
import { ProgrammedServices } from './programmed-services.js';
import { RealServerDrain } from './real-server-drain.js';
import { VirtualServiceReconciler } from './virtual-service-reconciler.js';
import { readBackKernel } from './kernel-read-back.js';
import { DsrDirector, type PodNetwork } from './dsr-director.js';

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
  /**
   * Runs commands in the network namespace of one of this node's endpoint pods, for DSR
   * (`kube-router.io/service.dsr=tunnel`): the pod gets an ipip link holding the external IP.
   * Without it, or without `netfilter` (which the marking rules need), DSR services are proxied
   * with NAT and logged as skips.
   */
  readonly podNetwork?: PodNetwork | undefined;
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
 * `kube-router-lb-fw` / `kube-router-lb-src` pair), and the refusal of service CIDR addresses
 * (`settings.serviceCIDRs`) that are no VIP: a new connection to one is rejected in filter
 * `INPUT`, `FORWARD` and `OUTPUT`, TCP with a reset and anything else with ICMP port
 * unreachable, so a client of a deleted service fails at once (kube-proxy drops unallocated
 * addresses; this backend refuses them as the iptables and nftables proxies and the simulator
 * do); see `./ipvs-iptables-render.ts`. The
 * plan's short circuit for Local external frontends is a DNAT to the service's cluster IP
 * before IPVS sees the packet; see `./ipvs-short-circuit.ts`.
 *
 * The parts: what was programmed (`./programmed-services.ts`), the per service port diff
 * (`./virtual-service-reconciler.ts`), the drain of leaving servers (`./real-server-drain.ts`)
 * and the read-back that repairs drift (`./kernel-read-back.ts`); this class orders them in a
 * sync and runs one operation at a time.
 *
 * DSR (`kube-router.io/service.dsr=tunnel`), given the pod network port (`podNetwork`) and
 * the netfilter: each IPv4 external IP of such a service is a firewall-mark virtual service
 * whose real servers are reached by IPIP tunnel, marked in mangle `PREROUTING` and delivered
 * locally by policy routing, and each local endpoint pod holds the external IP on its
 * `kube-tunnel-if`, so it answers the client directly; see `./ipvs-dsr.ts`. Without the port,
 * with an endpoint port other than the service port, and over IPv6 (not implemented yet), the
 * service is proxied with NAT and the backend logs and counts the skip (`onSkip`, `describe`).
 */
export class IpvsProxyBackend implements ProxyBackend {
  /** Backend name. */
  readonly name = 'ipvs';
  /** Concern. */
  readonly concern = 'proxy' as const;
  private readonly clock: Clock;
  private readonly netfilter: IpvsNetfilter | undefined;
  private lastPlan: ProxyPlan | undefined;
  private readonly vips: VipLedger;
  private readonly programmed: ProgrammedServices;
  private readonly drain: RealServerDrain;
  private readonly reconciler: VirtualServiceReconciler;
  private readonly onSkip: (line: string) => void;
  private readonly dsr: DsrDirector | undefined;
  /** Skip lines by service port key, for {@link describe}. */
  private readonly skipped = new Map<string, readonly string[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly dsrMarks: ((key: string) => number | undefined) | undefined;

  /**
   * @param port the IPVS table it programs
   * @param vipInterface where the VIPs go (`kube-dummy-if`)
   */
  constructor(
    private readonly port: IpvsPort,
    vipInterface: VipInterface,
    options: IpvsProxyBackendOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.netfilter = options.netfilter;
    this.vips = new VipLedger(vipInterface);
    this.programmed = new ProgrammedServices(this.vips);
    this.dsr = options.podNetwork !== undefined && options.netfilter !== undefined ? new DsrDirector(options.netfilter.runner, options.podNetwork) : undefined;
    const dsrMarks = this.dsr === undefined ? undefined : (key: string): number | undefined => this.dsr?.marks.markOf(key);
    const timing = {
      gracePeriodMs: options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS,
      drainCheckIntervalMs: options.drainCheckIntervalMs ?? DEFAULT_DRAIN_CHECK_INTERVAL_MS,
      clock: this.clock,
    };
    this.drain = new RealServerDrain(port, this.programmed, timing, () => this.reapTerminating());
    this.reconciler = new VirtualServiceReconciler(port, this.programmed, this.drain, dsrMarks);
    this.dsrMarks = dsrMarks;
    this.onSkip = options.onSkip ?? ((line) => console.warn(`ipvs proxy: ${line}`));
  }

  /** See `Backend.sync`. */
  sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    return this.exclusive(() => this.syncNow(plan, options.resync === true));
  }

  /** Deletes every virtual service it programmed and the dummy interface. */
  cleanup(): Promise<void> {
    return this.exclusive(async () => {
      this.drain.cancel();
      for (const id of this.programmed.ids()) await this.reconciler.deleteService(id);
      try {
        await this.netfilter?.cleanup();
        await this.dsr?.cleanup();
        await this.vips.removeAll();
      } catch (error) {
        throw asBackendError(error);
      }
      this.skipped.clear();
      this.drain.clear();
      this.lastPlan = undefined;
    });
  }

  /** See `Backend.describe`. */
  async describe(): Promise<ProgrammedState<ProxyPlan>> {
    return {
      backend: this.name,
      concern: this.concern,
      plan: this.lastPlan,
      summary: [
        `${this.programmed.size} virtual services, ${this.programmed.serverCount()} real servers (${this.drain.size} terminating), ${this.vips.size} VIPs`,
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
    return this.exclusive(() => this.drain.reap());
  }

  /** Stops the grace period timer (the process can exit); programmed state stays. */
  close(): void {
    this.drain.cancel();
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
      ? { changed: [...plan.servicePorts.keys()], removed: this.programmed.owners().filter((key) => !plan.servicePorts.has(key)) }
      : fragmentChanges(previous.servicePorts, plan.servicePorts);
    const touched = [...changes.changed, ...changes.removed];
    let netfilterChanged = false;
    try {
      this.dsr?.claim(plan, touched);
      await this.netfilter?.apply(plan, touched, full);
      netfilterChanged = true;
      if (full) await readBackKernel(plan, { port: this.port, programmed: this.programmed, drain: this.drain, vips: this.vips, dsrMarks: this.dsrMarks });
      // The pods take the external IP before IPVS tunnels to them, and the marks route to
      // IPVS only once its firewall-mark services are there.
      await this.dsr?.configurePods(plan, touched, full);
      for (const key of touched) await this.reconciler.reconcile(plan, key);
      await this.vips.write();
      await this.dsr?.writeRules(full);
      await this.drain.reap();
    } catch (error) {
      this.dsr?.claim(previous, touched);
      await this.rollback(previous, touched);
      if (previous !== undefined) await this.dsr?.writeRules(false).catch(() => undefined);
      if (netfilterChanged && previous !== undefined) {
        await this.netfilter?.apply(previous, touched, full).catch(() => undefined);
      }
      throw asBackendError(error);
    }
    this.lastPlan = plan;
    this.dsr?.settle();
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
      const lines = servicePort === undefined ? [] : [...servicePortSkips(plan, servicePort, this.dsr !== undefined), ...(this.dsr?.skipsOf(key) ?? [])];
      if (lines.length === 0) this.skipped.delete(key);
      else this.skipped.set(key, lines);
      for (const line of lines) this.onSkip(line);
    }
  }

  /** Puts the touched service ports back as `previous` had them (or removes them), ignoring failures. */
  private async rollback(previous: ProxyPlan | undefined, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.reconciler.reconcile(previous, key);
      } catch {
        // Best effort: the next sync compares with what is remembered and repairs the rest.
      }
    }
    await this.vips.write().catch(() => undefined);
  }
}
