import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { ProxyBackend } from '../../../core/backend/concern-backends.js';
import { fragmentChanges } from '../../../core/plan/fragment-map.js';
import type { ProxyPlan } from '../../../core/plan/proxy-plan.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import { deleteProxyTable, replaceProxyTable } from './proxy-table-render.js';

/**
 * The service proxy on nftables: one table of its own (`table ip kube-router-proxy`), written
 * as one `nft -f -` transaction per sync through the `CommandRunner` (wrap it in a
 * `NetnsCommandRunner` to program a node namespace). A rejected transaction changes nothing in
 * the kernel and rejects with the runner's `BackendError`; the remembered plan stays the
 * previous one. Reports count changed and removed service ports with `fragmentChanges`.
 *
 * Not implemented yet: element-only incremental transactions (every sync replaces the table
 * atomically, so the payload is the full table), ClientIP session affinity (affinity service
 * ports are balanced without stickiness), IPv6 frontends, health check node ports. Use the
 * mock backend's plan and the simulator to check those decisions meanwhile.
 */
export class NftablesProxyBackend implements ProxyBackend {
  /** Always `nftables`. */
  readonly name = 'nftables';
  readonly concern = 'proxy' as const;
  #programmed: ProxyPlan | undefined;

  /** @param runner runs `nft` (inside the node's namespace when it is a `NetnsCommandRunner`) */
  constructor(private readonly runner: CommandRunner) {}

  /** Makes the table match `plan` in one transaction; see {@link ProxyBackend.sync}. */
  async sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const full =
      options.resync === true || previous === undefined || previous.node !== plan.node || !isDeepStrictEqual(previous.settings, plan.settings);
    const changes = fragmentChanges(full ? undefined : previous?.servicePorts, plan.servicePorts);
    const removed = previous === undefined ? 0 : previous.servicePorts.values().filter((port) => !plan.servicePorts.has(port.key)).length;
    if (full || changes.changed.length > 0 || changes.removed.length > 0) {
      await this.runner.run('nft', ['-f', '-'], { input: replaceProxyTable(plan) });
    }
    this.#programmed = plan;
    const total = plan.servicePorts.size;
    return {
      concern: 'proxy',
      backend: this.name,
      full,
      changed: changes.changed.length,
      removed: full ? removed : changes.removed.length,
      unchanged: total - changes.changed.length,
      durationSeconds: (performance.now() - started) / 1000,
    };
  }

  /** Deletes the table (only ours); safe when nothing is programmed. */
  async cleanup(): Promise<void> {
    await this.runner.run('nft', ['-f', '-'], { input: deleteProxyTable() });
    this.#programmed = undefined;
  }

  /** The plan of the last successful sync and a one-line summary. */
  async describe(): Promise<ProgrammedState<ProxyPlan>> {
    const plan = this.#programmed;
    return {
      backend: this.name,
      concern: 'proxy',
      plan,
      summary: plan === undefined ? [] : [`${plan.servicePorts.size} service ports in table ip kube-router-proxy`],
    };
  }
}
