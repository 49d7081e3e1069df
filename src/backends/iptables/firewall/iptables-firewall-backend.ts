import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { FirewallBackend } from '../../../core/backend/concern-backends.js';
import type { IPFamily } from '../../../core/model/index.js';
import type { FirewallPlan } from '../../../core/plan/firewall-plan.js';
import { fragmentChanges } from '../../../core/plan/fragment-map.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import type { RenderProblems } from './chain-render.js';
import { fullChainWork, incrementalChainWork, type PlanChanges } from './chain-work.js';
import { TOP_CHAINS } from './firewall-names.js';
import { ipsetPayload } from './ipset-payload.js';
import { parseFilterTable, parseOwnedSets } from './kernel-readback.js';
import { FilterTransaction } from './restore-payload.js';
import { fullSetWork, incrementalSetWork, type SetWork } from './set-work.js';

/** Options of {@link IptablesFirewallBackend}. */
export interface IptablesFirewallOptions {
  /** The families programmed; default both (`iptables` and `ip6tables`). */
  readonly families?: readonly IPFamily[] | undefined;
  /** Told each input the backend skipped (fail closed) with the reason, once per sync; default: dropped. */
  readonly onProblem?: ((message: string) => void) | undefined;
}

const TOOLS: Record<IPFamily, { restore: string; save: string }> = {
  IPv4: { restore: 'iptables-restore', save: 'iptables-save' },
  IPv6: { restore: 'ip6tables-restore', save: 'ip6tables-save' },
};

/**
 * NetworkPolicy on iptables + ipset, laid out as kube-router does: top chains jumped to first
 * from INPUT, FORWARD and OUTPUT, dispatch by pod address to a chain per isolated pod and
 * direction, a chain per policy and direction whose rules mark allowed packets, peers as
 * ipsets. Programmed with `ipset restore` and `iptables-restore --noflush -w` (and
 * `ip6tables-restore`) through the `CommandRunner`; only its own `KR-FW-` chains and
 * `KR-FW-`/`KR-FT-` sets are ever written or removed.
 *
 * A sync writes only what changed since the last successful one (pods' and policies' chains,
 * sets' members). A full sync (the first, `resync: true`, after a failure, or a changed node)
 * reads the kernel back (`iptables-save`, `ipset list -n`) and rewrites every chain and set,
 * which repairs drift: deleted rules, chains, sets or members, a moved jump.
 *
 * Bad input in a plan (an address or CIDR that is none, an except outside its ipBlock, an
 * unknown protocol, a bad port range, a reference to a peer set or policy the plan lacks) never
 * fails a sync: it is left out, failing closed (the rule or member that needed it allows
 * nothing), counted in {@link IptablesFirewallBackend.skippedReferences}, told to `onProblem`
 * and listed by `describe()` as `skipped:` lines.
 *
 * A sync the kernel rejects throws the runner's `BackendError`; an iptables payload is applied
 * whole or not at all, so the rules stay as they were; the next sync is full.
 */
export class IptablesFirewallBackend implements FirewallBackend {
  /** Always `iptables`. */
  readonly name = 'iptables';
  readonly concern = 'firewall' as const;
  readonly #families: readonly IPFamily[];
  #programmed: FirewallPlan | undefined;
  #needsFull = true;
  #problems = 0;
  #problemLines: readonly string[] = [];
  readonly #onProblem: ((message: string) => void) | undefined;

  /**
   * @param runner runs the kernel tools (inside the node's namespace when it is a `NetnsCommandRunner`)
   * @param options which families to program
   */
  constructor(
    private readonly runner: CommandRunner,
    options: IptablesFirewallOptions = {},
  ) {
    this.#families = options.families ?? ['IPv4', 'IPv6'];
    this.#onProblem = options.onProblem;
  }

  /** Inputs of the plans left out (fail closed) since construction: bad addresses, ports, references to absent sets or policies. */
  get skippedReferences(): number {
    return this.#problems;
  }

  /** Makes the kernel match `plan`; see {@link FirewallBackend.sync}. */
  async sync(plan: FirewallPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const full =
      options.resync === true || this.#needsFull || previous === undefined ||
      previous.node !== plan.node || !isDeepStrictEqual(previous.nodeAddresses, plan.nodeAddresses);
    const pods = fragmentChanges(full ? undefined : previous?.pods, plan.pods);
    const policies = fragmentChanges(full ? undefined : previous?.policies, plan.policies);
    const peerSets = fragmentChanges(full ? undefined : previous?.peerSets, plan.peerSets);
    const problems: RenderProblems = { count: 0, messages: [] };
    try {
      if (full) await this.#fullSync(plan, problems);
      else if (previous !== undefined) await this.#incrementalSync(previous, plan, { pods, policies }, peerSets, problems);
    } catch (error) {
      this.#needsFull = true;
      throw error;
    }
    this.#problems += problems.count;
    this.#programmed = plan;
    this.#needsFull = false;
    // Each family renders the same input: a reason is told once.
    const reasons = [...new Set(problems.messages)];
    if (full) this.#problemLines = reasons;
    else if (reasons.length > 0) this.#problemLines = [...new Set([...this.#problemLines, ...reasons])].slice(-100);
    for (const reason of reasons) this.#onProblem?.(reason);
    const total = plan.pods.size + plan.policies.size + plan.peerSets.size;
    const changed = pods.changed.length + policies.changed.length + peerSets.changed.length;
    const gone = (before: FirewallPlan | undefined): number =>
      before === undefined ? 0 : [...before.pods.keys()].filter((k) => !plan.pods.has(k)).length +
        [...before.policies.keys()].filter((k) => !plan.policies.has(k)).length +
        [...before.peerSets.keys()].filter((k) => !plan.peerSets.has(k)).length;
    return {
      concern: 'firewall',
      backend: this.name,
      full,
      changed,
      removed: full ? gone(previous) : pods.removed.length + policies.removed.length + peerSets.removed.length,
      unchanged: total - changed,
      durationSeconds: (performance.now() - started) / 1000,
    };
  }

  async #fullSync(plan: FirewallPlan, problems: RenderProblems): Promise<void> {
    const sets = parseOwnedSets((await this.runner.run('ipset', ['list', '-n'])).stdout);
    const tables = new Map<IPFamily, FilterTransaction>();
    for (const family of this.#families) {
      const saved = (await this.runner.run(TOOLS[family].save, ['-t', 'filter'])).stdout;
      tables.set(family, fullChainWork(plan, family, parseFilterTable(saved), problems));
    }
    await this.#apply(fullSetWork(plan, sets, this.#families, problems), tables);
  }

  async #incrementalSync(
    previous: FirewallPlan,
    plan: FirewallPlan,
    changes: PlanChanges,
    peerSets: { changed: readonly string[]; removed: readonly string[] },
    problems: RenderProblems,
  ): Promise<void> {
    const tables = new Map<IPFamily, FilterTransaction>();
    for (const family of this.#families) tables.set(family, incrementalChainWork(previous, plan, changes, family, problems));
    await this.#apply(incrementalSetWork(previous, plan, peerSets.changed, peerSets.removed, this.#families, problems), tables);
  }

  // Sets first (rules may name new sets), then each family's rules, then swaps and removals.
  async #apply(sets: SetWork, tables: ReadonlyMap<IPFamily, FilterTransaction>): Promise<void> {
    await this.#ipset(sets.prepare);
    try {
      for (const [family, tx] of tables) {
        if (!tx.empty) await this.runner.run(TOOLS[family].restore, ['--noflush', '-w'], { input: tx.payload() });
      }
    } catch (error) {
      await this.#ipset(sets.rollback).catch(() => undefined);
      throw error;
    }
    await this.#ipset(sets.commit);
  }

  async #ipset(lines: readonly string[]): Promise<void> {
    if (lines.length > 0) await this.runner.run('ipset', ['restore', '-exist'], { input: ipsetPayload(lines) });
  }

  /** Removes the jumps to its chains, its chains and its sets, read from the kernel; nothing else. */
  async cleanup(): Promise<void> {
    for (const family of this.#families) {
      const kernel = parseFilterTable((await this.runner.run(TOOLS[family].save, ['-t', 'filter'])).stdout);
      const tx = new FilterTransaction();
      for (const { builtin, chain } of TOP_CHAINS) {
        for (const rule of kernel.builtinRules.get(builtin) ?? []) if (rule === `-A ${builtin} -j ${chain}`) tx.deleteRule(rule);
      }
      for (const name of kernel.ownedChains) tx.removeChain(name);
      if (!tx.empty) await this.runner.run(TOOLS[family].restore, ['--noflush', '-w'], { input: tx.payload() });
    }
    const sets = parseOwnedSets((await this.runner.run('ipset', ['list', '-n'])).stdout);
    await this.#ipset([...sets].map((name) => `destroy ${name}`));
    this.#programmed = undefined;
    this.#needsFull = true;
    this.#problemLines = [];
  }

  /** The plan of the last successful sync, a summary line, and the inputs skipped (`skipped: ...`). */
  async describe(): Promise<ProgrammedState<FirewallPlan>> {
    const plan = this.#programmed;
    const isolated = plan === undefined ? 0 : plan.pods.values().filter((pod) => pod.ingressPolicies.length + pod.egressPolicies.length > 0).length;
    return {
      backend: this.name,
      concern: 'firewall',
      plan,
      summary:
        plan === undefined
          ? []
          : [
              `${plan.policies.size} policies, ${isolated} isolated pods, ${plan.peerSets.size} peer sets (iptables + ipset)`,
              ...this.#problemLines.map((reason) => `skipped: ${reason}`),
            ],
    };
  }
}
