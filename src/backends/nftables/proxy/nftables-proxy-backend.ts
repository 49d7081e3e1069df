import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { ProxyBackend } from '../../../core/backend/concern-backends.js';
import type { ProxyPlan } from '../../../core/plan/proxy-plan.js';
import type { SyncPayloadSize, SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import { changedElements, fullTableElements, payloadLines } from './payload-size.js';
import { PROXY_TABLE_REF } from './proxy-names.js';
import { renderServicePort } from './service-port-render.js';
import { tableSkeleton } from './table-skeleton.js';
import { ObjectStore, type TableObject } from './table-objects.js';
import { deleteTableCommands, fullTableText, incrementalCommands } from './transaction-render.js';
import { proxySyncScope } from '../../common/proxy-sync-scope.js';

/** Options of the nftables proxy backend. */
export interface NftablesProxyOptions {
  /** Called with each skipped frontend or endpoint (an address or port that cannot be programmed). */
  readonly onSkip?: ((line: string) => void) | undefined;
}

/** What the last sync sent to the kernel: the payload, for tests and debugging. */
export interface NftablesProxyTransaction {
  readonly full: boolean;
  readonly payload: string;
}

/**
 * The service proxy on nftables: one table of its own (`table inet kube-router-proxy`, IPv4 and
 * IPv6), written as one `nft -f -` transaction per sync through the `CommandRunner` (wrap it in
 * a `NetnsCommandRunner` to program a node namespace).
 *
 * The first sync, a change of the plan-wide settings and a resync replace the table atomically
 * (a resync repairs any drift without listing the table). Every other sync is incremental: the
 * changed and removed service ports' objects (dispatch and endpoint map elements, their own
 * chains and affinity sets, reference-counted shared balancer chains) are diffed against what
 * was applied, so an endpoint change is a few element deletions and additions. A rejected
 * transaction changes nothing in the kernel and rejects with the runner's `BackendError`; the
 * remembered plan and objects stay the previous ones.
 *
 * Localhost NodePorts (`settings.localhostNodePorts`, IPv4 only): NodePorts also answer on
 * 127.0.0.1, masqueraded like every NodePort packet from the node. The kernel routes a packet
 * from 127.0.0.0/8 to a pod only with `net.ipv4.conf.all.route_localnet=1`, so every full sync
 * of such a plan sets it in the namespace programmed first (as kube-proxy's iptables mode does,
 * and like it, cleanup leaves it set), and drops what reaches 127.0.0.0/8 from elsewhere unless
 * DNATed or of a known connection. Health check node ports are served elsewhere.
 *
 * Service CIDRs (`settings.serviceCIDRs`): a new connection to an address in them that no
 * service holds on that port and protocol (a deleted service, a wrong port) is refused after
 * DNAT, TCP with a reset and anything else with ICMP port unreachable. kube-proxy rejects the
 * wrong ports of allocated cluster IPs but drops unallocated addresses; refusing both makes a
 * client of a deleted service fail at once instead of timing out.
 */
export class NftablesProxyBackend implements ProxyBackend {
  /** Always `nftables`. */
  readonly name = 'nftables';
  readonly concern = 'proxy' as const;
  #programmed: ProxyPlan | undefined;
  #objects = new ObjectStore();
  #byPort = new Map<string, readonly TableObject[]>();
  #skipped = new Map<string, readonly string[]>();
  #last: NftablesProxyTransaction | undefined;
  /** What the sync under way has sent so far. */
  #sent: Required<SyncPayloadSize> = { lines: 0, elements: 0 };

  /**
   * @param runner runs `nft` (inside the node's namespace when it is a `NetnsCommandRunner`)
   * @param options optional hooks
   */
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: NftablesProxyOptions = {},
  ) {}

  /** The payload of the last transaction sent (accepted or not). */
  get lastTransaction(): NftablesProxyTransaction | undefined {
    return this.#last;
  }

  /** Makes the table match `plan` in one transaction; see {@link ProxyBackend.sync}. */
  async sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const { full, changes, removed } = proxySyncScope(previous, plan, options);
    this.#sent = { lines: 0, elements: 0 };
    if (full && plan.settings.localhostNodePorts) {
      // DNAT from 127.0.0.1 to a pod: without route_localnet the kernel drops the packet as a martian.
      await this.runner.run('sysctl', ['-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
    }
    if (full) await this.#syncFull(plan);
    else await this.#syncIncremental(plan, changes.changed, changes.removed);
    this.#programmed = plan;
    return {
      concern: 'proxy',
      backend: this.name,
      full,
      changed: changes.changed.length,
      removed,
      unchanged: plan.servicePorts.size - changes.changed.length,
      durationSeconds: (performance.now() - started) / 1000,
      payload: this.#sent,
    };
  }

  async #syncFull(plan: ProxyPlan): Promise<void> {
    const byPort = new Map<string, readonly TableObject[]>();
    const skipped = new Map<string, readonly string[]>();
    const store = new ObjectStore();
    const all: TableObject[] = [];
    for (const port of plan.servicePorts.values()) {
      const rendered = renderServicePort(port);
      byPort.set(port.key, rendered.objects);
      if (rendered.skipped.length > 0) skipped.set(port.key, rendered.skipped);
      for (const object of rendered.objects) all.push(object);
    }
    const staged = store.stageAll(all);
    const objects = staged.changes.added;
    const skeleton = tableSkeleton(plan.settings);
    const payload = deleteTableCommands() + fullTableText(skeleton, objects);
    await this.#send({ full: true, payload }, fullTableElements(skeleton, objects));
    staged.commit();
    this.#objects = store;
    this.#byPort = byPort;
    this.#skipped = skipped;
    this.#reportSkips(skipped.values());
  }

  async #syncIncremental(plan: ProxyPlan, changed: readonly string[], removed: readonly string[]): Promise<void> {
    const released: TableObject[] = [];
    const taken: TableObject[] = [];
    const byPort = new Map<string, readonly TableObject[] | undefined>();
    const skipped = new Map<string, readonly string[]>();
    for (const key of [...changed, ...removed]) released.push(...(this.#byPort.get(key) ?? []));
    for (const key of changed) {
      const port = plan.servicePorts.get(key);
      if (port === undefined) continue;
      const rendered = renderServicePort(port);
      byPort.set(key, rendered.objects);
      skipped.set(key, rendered.skipped);
      taken.push(...rendered.objects);
    }
    for (const key of removed) byPort.set(key, undefined);
    const staged = this.#objects.stage(released, taken);
    const payload = incrementalCommands(staged.changes);
    if (payload !== '') await this.#send({ full: false, payload }, changedElements(staged.changes));
    staged.commit();
    for (const [key, objects] of byPort) {
      if (objects === undefined) this.#byPort.delete(key);
      else this.#byPort.set(key, objects);
    }
    for (const key of [...changed, ...removed]) this.#skipped.delete(key);
    for (const [key, lines] of skipped) if (lines.length > 0) this.#skipped.set(key, lines);
    this.#reportSkips(skipped.values());
  }

  async #send(transaction: NftablesProxyTransaction, elements = 0): Promise<void> {
    this.#last = transaction;
    await this.runner.run('nft', ['-f', '-'], { input: transaction.payload });
    this.#sent = { lines: this.#sent.lines + payloadLines(transaction.payload), elements: this.#sent.elements + elements };
  }

  #reportSkips(groups: Iterable<readonly string[]>): void {
    for (const lines of groups) for (const line of lines) this.options.onSkip?.(line);
  }

  /** Deletes the table (only ours); safe when nothing is programmed. */
  async cleanup(): Promise<void> {
    await this.#send({ full: true, payload: deleteTableCommands() });
    this.#programmed = undefined;
    this.#objects = new ObjectStore();
    this.#byPort.clear();
    this.#skipped.clear();
  }

  /** The plan of the last successful sync and summary lines. */
  async describe(): Promise<ProgrammedState<ProxyPlan>> {
    const plan = this.#programmed;
    const skips = [...this.#skipped.values()].reduce((sum, lines) => sum + lines.length, 0);
    return {
      backend: this.name,
      concern: 'proxy',
      plan,
      summary:
        plan === undefined
          ? []
          : [
              `${plan.servicePorts.size} service ports in table ${PROXY_TABLE_REF} (${this.#objects.size} elements, chains and sets)`,
              ...(skips > 0 ? [`${skips} frontends or endpoints skipped: not valid addresses or ports`] : []),
            ],
    };
  }
}
