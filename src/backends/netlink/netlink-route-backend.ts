import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../core/backend/backend.js';
import type { RouteBackend } from '../../core/backend/concern-backends.js';
import { BackendError, ConfigError } from '../../core/errors.js';
import type { RoutePlan } from '../../core/plan/route-plan.js';
import type { SyncReport } from '../../core/plan/sync-report.js';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { MAIN_ROUTING_TABLE, type NetlinkPort } from '../../core/ports/netlink.js';
import { CountingNetlinkPort } from './counting-netlink-port.js';
import { DEFAULT_EGRESS_TABLE } from './egress-ruleset.js';
import { EgressMasqueradeTable } from './egress-masquerade.js';
import { fragmentWork, samePlainData } from './fragment-work.js';
import { applyIncrementally, canApplyIncrementally } from './incremental-sync.js';
import { reconcileWithKernel } from './kernel-reconcile.js';
import { OperationBatch } from './operation-batch.js';
import { RouteKernelWriter } from './route-kernel-writer.js';
import type { RouteOwnership } from './route-specs.js';
import { removeOwnedState } from './route-cleanup.js';
import { summariseRoutePlan } from './route-summary.js';
import { TunnelRegistry } from './tunnel-registry.js';

/**
 * The `rtm_protocol` kube-router marks its routes with (0x11). Reusing it means a node moving
 * from kube-router to this library takes over the routes kube-router left, and operators'
 * `ip route show proto 17` keeps working; the kernel names 17 `mrouted`, whose multicast
 * routes live in other tables, so nothing else claims unicast routes of protocol 17.
 */
export const KUBE_ROUTER_ROUTE_PROTOCOL = 17;

/** Options of {@link NetlinkRouteBackend}. */
export interface NetlinkRouteBackendOptions {
  /** Protocol number marking the backend's routes; default 17, as kube-router. 5..255. */
  readonly protocol?: number | undefined;
  /** Routing table; default main (254). */
  readonly table?: number | undefined;
  /** nftables `inet` table of the pod egress masquerade; default `kube-router-egress`. */
  readonly masqueradeTable?: string | undefined;
  /** Netlink requests in flight at once in a bulk phase; default 16. */
  readonly concurrency?: number | undefined;
}

/** What the last sync cost the kernel. */
export interface KernelOperations {
  /** Netlink requests that read (dumps, lookups). */
  readonly netlinkReads: number;
  /** Netlink requests that wrote. */
  readonly netlinkWrites: number;
  /** `nft -f -` transactions. */
  readonly nftTransactions: number;
  /** All of them. */
  readonly total: number;
}

interface Programmed {
  readonly plan: RoutePlan;
}

const NO_OPERATIONS: KernelOperations = Object.freeze({ netlinkReads: 0, netlinkWrites: 0, nftTransactions: 0, total: 0 });

/**
 * Kernel routes to other nodes' pod subnets, the tunnel links they go through, and pod egress
 * masquerade, as kube-router's routing controller programs them without BGP.
 *
 * - Ownership: every route carries the backend's protocol number (default 17, kube-router's);
 *   the backend adds, replaces and deletes only routes of that protocol and never touches
 *   another. Its links are named `tun-...` and marked with the alias `kube-router`.
 * - Tunnels: IPIP and FOU get a link per remote node; VXLAN tunnels of a family share one
 *   device with a neighbour and a forwarding entry per remote node (see `tunnel-links.ts`).
 * - Incremental: a sync diffs the plan's routes and tunnels against the plan it last
 *   programmed (`FragmentMap.diff`, proportional to the change) and writes only that: one node
 *   joining or leaving costs a few requests ({@link lastSyncOperations}) whatever the size.
 * - Kernel reads happen on the first sync, on `resync: true`, and after a failed sync: the
 *   backend then lists links, neighbours and routes and repairs whatever drifted.
 * - Masquerade: `plan.masquerade` in an nftables table of its own, via `nft -f -` through the
 *   `CommandRunner`, one transaction per change, re-applied on every kernel read.
 * - BGP: `plan.bgp` is counted and kept (describe) but not programmed: a BGP daemon backend
 *   does that.
 *
 * A failed sync rejects with a `BackendError` after trying every request (one refused route
 * does not hold back the others). The backend's memory stays at the last good plan and the
 * next sync reads the kernel back, so a retry converges.
 *
 * The netlink port programs the network namespace it was opened in: run the backend inside
 * the node's namespace (see `NamespacedRouteBackend`).
 */
export class NetlinkRouteBackend implements RouteBackend {
  /** Always `netlink`. */
  readonly name = 'netlink';
  /** Always `route`. */
  readonly concern = 'route' as const;
  private readonly port: CountingNetlinkPort;
  private readonly masquerade: EgressMasqueradeTable;
  private readonly ownership: RouteOwnership;
  private readonly concurrency: number;
  private readonly registry = new TunnelRegistry();
  private programmed: Programmed | undefined;
  private kernelUncertain = true;
  private operations: KernelOperations = NO_OPERATIONS;

  /**
   * @param port the netlink port of the node's network namespace
   * @param runner runs `nft` for the masquerade table
   * @param options protocol, table, masquerade table and concurrency
   * @throws ConfigError for a protocol outside 5..255 (lower values are the kernel's and the
   *   administrator's) or a bad table name
   */
  constructor(port: NetlinkPort, runner: CommandRunner, options: NetlinkRouteBackendOptions = {}) {
    const protocol = options.protocol ?? KUBE_ROUTER_ROUTE_PROTOCOL;
    if (!Number.isInteger(protocol) || protocol < 5 || protocol > 255) {
      throw new ConfigError(`route protocol must be an integer in 5..255, not ${protocol}`);
    }
    this.ownership = { protocol, table: options.table ?? MAIN_ROUTING_TABLE };
    this.port = new CountingNetlinkPort(port);
    try {
      this.masquerade = new EgressMasqueradeTable(runner, options.masqueradeTable ?? DEFAULT_EGRESS_TABLE);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    this.concurrency = options.concurrency ?? 16;
  }

  /** What the last sync or cleanup cost the kernel (zero before the first). */
  get lastSyncOperations(): KernelOperations {
    return this.operations;
  }

  /** The protocol number marking this backend's routes. */
  get routeProtocol(): number {
    return this.ownership.protocol;
  }

  /** Makes the kernel match `plan`; see the class documentation. */
  async sync(plan: RoutePlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.programmed;
    // A resync rewrites the whole state from a kernel read, so it reports as full.
    const full = previous === undefined || previous.plan.node !== plan.node || options.resync === true;
    const base = previous === undefined || previous.plan.node !== plan.node ? undefined : previous.plan;
    const routes = fragmentWork(plan.routes, base?.routes);
    const tunnels = fragmentWork(plan.tunnels, base?.tunnels);
    const readKernel = full || this.kernelUncertain
      || !canApplyIncrementally({ plan, routes, tunnels }, this.registry);
    const masqueradeChanged = !samePlainData(base?.masquerade, plan.masquerade);
    const bgpChanged = !samePlainData(base?.bgp, plan.bgp);

    this.port.reset();
    this.masquerade.transactions = 0;
    const batch = new OperationBatch(this.concurrency);
    const writer = new RouteKernelWriter(this.port, this.ownership, this.registry.ownedLinks);
    try {
      if (readKernel) await reconcileWithKernel(plan, this.port, writer, this.registry, batch, this.ownership);
      else await applyIncrementally({ plan, routes, tunnels }, writer, this.registry, batch, this.ownership);
      if (readKernel || masqueradeChanged) {
        await batch.attempt(() => (plan.masquerade === undefined ? this.masquerade.remove() : this.masquerade.apply(plan.masquerade)));
      }
      batch.throwIfFailed();
    } catch (error) {
      this.kernelUncertain = true;
      throw error instanceof BackendError ? error : new BackendError('netlink', ['sync'], undefined, '', (error as Error).message);
    } finally {
      this.recordOperations();
    }
    this.programmed = { plan };
    this.kernelUncertain = false;

    const optional = (had: boolean, has: boolean, changed: boolean) => ({
      changed: has && (changed || full) ? 1 : 0,
      removed: had && !has ? 1 : 0,
      unchanged: has && !changed && !full ? 1 : 0,
    });
    const masq = optional(base?.masquerade !== undefined, plan.masquerade !== undefined, masqueradeChanged);
    const bgp = optional(base?.bgp !== undefined, plan.bgp !== undefined, bgpChanged);
    const total = plan.routes.size + plan.tunnels.size;
    const changed = full ? total : routes.changed.length + tunnels.changed.length;
    const removedBefore = full && previous !== undefined ? fragmentWork(plan.routes, previous.plan.routes).removed.length
      + fragmentWork(plan.tunnels, previous.plan.tunnels).removed.length : routes.removed.length + tunnels.removed.length;
    return Object.freeze({
      concern: this.concern,
      backend: this.name,
      full,
      changed: changed + masq.changed + bgp.changed,
      removed: removedBefore + masq.removed + bgp.removed,
      unchanged: (full ? 0 : routes.unchanged + tunnels.unchanged) + masq.unchanged + bgp.unchanged,
      durationSeconds: (performance.now() - started) / 1000,
    });
  }

  /**
   * Removes every route of the backend's protocol in its table, every tunnel link it made
   * (named `tun-` and marked, or recorded), and its masquerade table; nothing else.
   */
  async cleanup(): Promise<void> {
    this.port.reset();
    this.masquerade.transactions = 0;
    try {
      await removeOwnedState(this.port, this.masquerade, this.ownership, this.registry.ownedLinks, this.concurrency);
      this.registry.resetVxlan();
    } finally {
      this.recordOperations();
    }
    this.programmed = undefined;
    this.kernelUncertain = true;
  }

  /** The programmed plan and summary lines, including the last sync's kernel operations. */
  async describe(): Promise<ProgrammedState<RoutePlan>> {
    const plan = this.programmed?.plan;
    return {
      backend: this.name,
      concern: this.concern,
      plan,
      summary: plan === undefined ? [] : summariseRoutePlan(plan, this.ownership, this.masquerade.table, this.operations),
    };
  }

  private recordOperations(): void {
    const netlinkReads = this.port.reads;
    const netlinkWrites = this.port.writes;
    const nftTransactions = this.masquerade.transactions;
    this.operations = Object.freeze({ netlinkReads, netlinkWrites, nftTransactions, total: netlinkReads + netlinkWrites + nftTransactions });
  }
}
