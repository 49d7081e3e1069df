import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { FirewallBackend } from '../../../core/backend/concern-backends.js';
import type { FirewallPlan } from '../../../core/plan/firewall-plan.js';
import { fragmentChanges } from '../../../core/plan/fragment-map.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import type { NftTransaction } from '../common/nft-text.js';
import { TABLE_REF } from './firewall-names.js';
import { firewallDelta } from './firewall-delta.js';
import { chainRulesOfListing, chainRulesOfState, summaryOfJson, summaryOfState } from './firewall-readback.js';
import { deleteTableTransaction, firewallTableState, replaceTableTransaction } from './firewall-table.js';

/** Options of {@link NftablesFirewallBackend}. */
export interface NftablesFirewallOptions {
  /** Told each input the backend skipped (fail closed) with the reason; default: dropped. */
  readonly onProblem?: ((message: string) => void) | undefined;
}

/**
 * NetworkPolicy on nftables: one table of its own, `inet kube-router-firewall`, written with one
 * `nft -f -` transaction per sync through the `CommandRunner` (a `NetnsCommandRunner` programs a
 * node namespace). Local pods' addresses dispatch through verdict maps (`ip daddr vmap
 * @ingress-pods-v4`, `ip saddr vmap @egress-pods-v4`, and IPv6) to a chain per pod and
 * direction, which jumps to a chain per policy and direction; peers are named sets (ipBlocks as
 * interval sets, excepts cut out); drops are logged to NFLOG group 100, rate limited, then
 * rejected.
 *
 * The first sync replaces the table atomically; later ones add and delete set and map
 * elements and rewrite only changed chains. The kernel is read back (`nft -j list table`) only
 * on `resync: true` (`nft -j list table` for sets, maps and chains, `nft list table` for each
 * chain's rule text): if it differs from the plan's table in any element or rule, the table is
 * replaced atomically. A rejected transaction changes nothing and rejects with the runner's
 * `BackendError`; the remembered plan stays the previous one, so the next sync retries the same
 * change.
 */
export class NftablesFirewallBackend implements FirewallBackend {
  /** Always `nftables`. */
  readonly name = 'nftables';
  readonly concern = 'firewall' as const;
  #programmed: FirewallPlan | undefined;
  #problems: readonly string[] = [];
  #lastPayloadLines = 0;

  /**
   * @param runner runs `nft` (inside the node's namespace when it is a `NetnsCommandRunner`)
   * @param options where skipped input is told
   */
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: NftablesFirewallOptions = {},
  ) {}

  /** Makes our table match `plan` in one transaction; see {@link FirewallBackend.sync}. */
  async sync(plan: FirewallPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const full = options.resync === true || previous === undefined || previous.node !== plan.node;
    const problems: string[] = [];
    let changed: number;
    let removed: number;
    let transaction: NftTransaction | undefined;
    if (full) {
      const state = firewallTableState(plan, problems);
      if (options.resync === true && previous !== undefined && (await this.#kernelMatches(state))) transaction = undefined;
      else transaction = replaceTableTransaction(state);
      changed = plan.pods.size + plan.policies.size + plan.peerSets.size;
      removed =
        previous === undefined
          ? 0
          : [
              fragmentChanges(previous.pods, plan.pods).removed,
              fragmentChanges(previous.policies, plan.policies).removed,
              fragmentChanges(previous.peerSets, plan.peerSets).removed,
            ].reduce((sum, keys) => sum + keys.length, 0);
    } else {
      const delta = firewallDelta(previous, plan, problems);
      transaction = delta.transaction.empty ? undefined : delta.transaction;
      changed = delta.pods.changed.length + delta.policies.changed.length + delta.peerSets.changed.length;
      removed = delta.pods.removed.length + delta.policies.removed.length + delta.peerSets.removed.length;
    }
    if (transaction !== undefined) await this.runner.run('nft', ['-f', '-'], { input: transaction.text() });
    this.#lastPayloadLines = transaction?.size ?? 0;
    this.#programmed = plan;
    if (problems.length > 0 || this.#problems.length > 0) this.#problems = full ? problems : [...this.#problems, ...problems].slice(-100);
    for (const problem of problems) this.options.onProblem?.(problem);
    const total = plan.pods.size + plan.policies.size + plan.peerSets.size;
    return {
      concern: 'firewall',
      backend: this.name,
      full,
      changed,
      removed,
      unchanged: total - changed,
      durationSeconds: (performance.now() - started) / 1000,
    };
  }

  async #kernelMatches(state: ReturnType<typeof firewallTableState>): Promise<boolean> {
    const table = TABLE_REF.split(' ');
    const listed = await this.runner.run('nft', ['-j', 'list', 'table', ...table], { allowedExitCodes: [1] });
    if (listed.exitCode !== 0) return false;
    try {
      if (!isDeepStrictEqual(summaryOfJson(listed.stdout), summaryOfState(state))) return false;
    } catch {
      // A listing we cannot read is drift like any other: the table is replaced.
      return false;
    }
    // Rule content: the JSON listing has no rule text, the plain listing has it as we render it.
    const text = await this.runner.run('nft', ['list', 'table', ...table], { allowedExitCodes: [1] });
    return text.exitCode === 0 && isDeepStrictEqual(chainRulesOfListing(text.stdout), chainRulesOfState(state));
  }

  /** Deletes our table (and nothing else); safe when nothing is programmed. */
  async cleanup(): Promise<void> {
    await this.runner.run('nft', ['-f', '-'], { input: deleteTableTransaction().text() });
    this.#programmed = undefined;
    this.#problems = [];
  }

  /** The plan of the last successful sync, counts, and the inputs skipped. */
  async describe(): Promise<ProgrammedState<FirewallPlan>> {
    const plan = this.#programmed;
    return {
      backend: this.name,
      concern: 'firewall',
      plan,
      summary:
        plan === undefined
          ? []
          : [
              `${plan.pods.size} local pods, ${plan.policies.size} policies, ${plan.peerSets.size} peer sets in table ${TABLE_REF}`,
              `last transaction: ${this.#lastPayloadLines} lines`,
              ...this.#problems.map((problem) => `skipped: ${problem}`),
            ],
    };
  }
}
