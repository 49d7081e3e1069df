import { performance } from 'node:perf_hooks';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { ProxyBackend } from '../../../core/backend/concern-backends.js';
import type { IPFamily } from '../../../core/model/index.js';
import type { ProxyPlan } from '../../../core/plan/proxy-plan.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import { BUILTIN_JUMPS, isJumpLine } from './builtin-jumps.js';
import { composeCleanupPayload, composeFamilyPayload, type FamilyPayload } from './family-payload.js';
import { PORT_CHAIN_PREFIXES } from './proxy-chain-names.js';
import { restoreCommand, saveCommand } from './rule-text.js';
import { jumpsIntoOwned, ownedChains, parseSave } from './saved-rules.js';
import { EMPTY_RENDER, renderServicePort, type RenderedServicePort } from './service-port-render.js';
import { proxySyncScope } from '../../common/proxy-sync-scope.js';

/** Options of {@link IptablesProxyBackend}. */
export interface IptablesProxyBackendOptions {
  /** Longest wait for one iptables-restore or iptables-save run, in ms. Default 60,000. */
  readonly timeoutMs?: number | undefined;
}

/** What the backend remembers having programmed in one family. */
interface FamilyState {
  /** Each service port's rendering, as applied. */
  readonly rendered: Map<string, RenderedServicePort>;
}

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/**
 * The service proxy on iptables, with kube-proxy's layout under names of its own (`KR-SERVICES`,
 * `KR-NODEPORTS`, `KR-SVC-*`, `KR-SEP-*`, `KR-EXT-*`, `KR-LBFW-*`, `KR-POSTROUTING` in nat;
 * `KR-SERVICES-FILTER`, `KR-EXTERNAL-SERVICES`, `KR-PROXY-FIREWALL` in filter). Each sync runs
 * one `iptables-restore --noflush -w` per family (ip6tables-restore for IPv6) through the
 * `CommandRunner` (wrap it in a `NetnsCommandRunner` to program a node namespace).
 *
 * Partial: only the chains of the service ports that changed since the last successful sync
 * are rewritten, plus the dispatch chains, composed from what it remembers of every port;
 * chains of removed ports are flushed and deleted. It reads the kernel back (`iptables-save`)
 * only on the first sync of a family and on `resync`, to delete leftover chains of ours,
 * rewrite every chain and re-insert missing jumps from the built-in chains. Rules and chains
 * it does not own are never named in a payload. A rejected payload changes nothing in its
 * family; the remembered state stays the previous one, so the next sync writes the change again.
 * With localhost NodePorts it sets `net.ipv4.conf.all.route_localnet=1` in the namespace (as
 * kube-proxy does, and like kube-proxy it leaves it set on cleanup).
 */
export class IptablesProxyBackend implements ProxyBackend {
  /** Always `iptables`. */
  readonly name = 'iptables';
  readonly concern = 'proxy' as const;
  #programmed: ProxyPlan | undefined;
  readonly #families = new Map<IPFamily, FamilyState>();
  #lastPayloads: FamilyPayload[] = [];
  private readonly timeoutMs: number;

  /**
   * @param runner runs iptables-restore and iptables-save (inside the node's namespace when it is a `NetnsCommandRunner`)
   * @param options timeouts
   */
  constructor(
    private readonly runner: CommandRunner,
    options: IptablesProxyBackendOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The payloads of the last sync, one per family written (for tests and benchmarks). */
  get lastPayloads(): readonly FamilyPayload[] {
    return this.#lastPayloads;
  }

  /** Makes nat and filter match `plan`; see {@link ProxyBackend.sync}. */
  async sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const { full, changes, removed } = proxySyncScope(previous, plan, options);
    this.#lastPayloads = [];
    if (full && plan.settings.localhostNodePorts) {
      // Localhost NodePorts DNAT packets from 127.0.0.1 to pods: the kernel routes them only so.
      await this.runner.run('sysctl', ['-q', '-w', 'net.ipv4.conf.all.route_localnet=1'], { timeoutMs: this.timeoutMs });
    }
    for (const family of this.familiesFor(plan)) {
      const state = this.#families.get(family);
      if (full || state === undefined) await this.syncFullFamily(plan, family, state);
      else if (changes.changed.length > 0 || changes.removed.length > 0) await this.syncPartialFamily(plan, family, state, changes);
    }
    this.#programmed = plan;
    return {
      concern: 'proxy',
      backend: this.name,
      full,
      changed: changes.changed.length,
      removed,
      unchanged: plan.servicePorts.size - changes.changed.length,
      durationSeconds: (performance.now() - started) / 1000,
    };
  }

  /** IPv4 always; IPv6 once a plan has an IPv6 frontend, and from then on. */
  private familiesFor(plan: ProxyPlan): IPFamily[] {
    const hasIPv6 = this.#families.has('IPv6') || plan.servicePorts.values().some((port) => port.frontends.some((frontend) => frontend.family === 'IPv6'));
    return hasIPv6 ? ['IPv4', 'IPv6'] : ['IPv4'];
  }

  private async syncFullFamily(plan: ProxyPlan, family: IPFamily, state: FamilyState | undefined): Promise<void> {
    const tables = parseSave((await this.runner.run(saveCommand(family), [], { timeoutMs: this.timeoutMs })).stdout);
    const rendered = new Map<string, RenderedServicePort>();
    for (const port of plan.servicePorts.values()) rendered.set(port.key, renderServicePort(port, family, plan.settings));
    const wanted = new Set<string>();
    for (const port of rendered.values()) for (const name of port.chains.keys()) wanted.add(name);
    const found = ownedChains(tables.get('nat'));
    const remembered = [...(state?.rendered.values() ?? [])].flatMap((port) => [...port.chains.keys()]);
    const deleteChains = [...found, ...remembered].filter((name) => !wanted.has(name) && !isDispatch(name));
    const insertJumps = BUILTIN_JUMPS.filter(
      (jump) => !(tables.get(jump.table)?.rules ?? []).some((line) => isJumpLine(line, jump.builtin, jump.target)),
    );
    const payload = composeFamilyPayload({
      family, settings: plan.settings, ports: rendered.values(), rewrite: rendered.values(), deleteChains, insertJumps,
    });
    await this.restore(family, payload);
    this.#families.set(family, { rendered });
  }

  private async syncPartialFamily(
    plan: ProxyPlan,
    family: IPFamily,
    state: FamilyState,
    changes: { readonly changed: readonly string[]; readonly removed: readonly string[] },
  ): Promise<void> {
    const rendered = new Map(state.rendered);
    const rewrite: RenderedServicePort[] = [];
    const stale = new Set<string>();
    for (const key of [...changes.changed, ...changes.removed]) {
      for (const name of state.rendered.get(key)?.chains.keys() ?? []) stale.add(name);
    }
    for (const key of changes.removed) rendered.delete(key);
    for (const key of changes.changed) {
      const port = plan.servicePorts.get(key);
      const next = port === undefined ? EMPTY_RENDER : renderServicePort(port, family, plan.settings);
      rendered.set(key, next);
      rewrite.push(next);
      for (const name of next.chains.keys()) stale.delete(name);
    }
    const ordered = plan.servicePorts.values().map((port) => rendered.get(port.key) ?? EMPTY_RENDER);
    const payload = composeFamilyPayload({
      family, settings: plan.settings, ports: ordered, rewrite, deleteChains: stale, insertJumps: [],
    });
    await this.restore(family, payload);
    this.#families.set(family, { rendered });
  }

  private async restore(family: IPFamily, payload: FamilyPayload): Promise<void> {
    await this.runner.run(restoreCommand(family), ['--noflush', '-w'], { input: payload.text, timeoutMs: this.timeoutMs });
    this.#lastPayloads.push(payload);
  }

  /**
   * Deletes every chain of ours and every jump into them from the built-in chains, in both
   * families, as found in the kernel (so leftovers of an earlier run go too); nothing else.
   */
  async cleanup(): Promise<void> {
    for (const family of FAMILIES) {
      const tables = parseSave((await this.runner.run(saveCommand(family), [], { timeoutMs: this.timeoutMs })).stdout);
      const found = new Map(['nat', 'filter'].map((table) => [table, { chains: ownedChains(tables.get(table)), jumps: jumpsIntoOwned(tables.get(table)) }]));
      const payload = composeCleanupPayload(found);
      if (payload !== undefined) {
        await this.runner.run(restoreCommand(family), ['--noflush', '-w'], { input: payload, timeoutMs: this.timeoutMs });
      }
    }
    this.#families.clear();
    this.#programmed = undefined;
  }

  /** The plan of the last successful sync and a one-line summary per family. */
  async describe(): Promise<ProgrammedState<ProxyPlan>> {
    const plan = this.#programmed;
    const summary = plan === undefined
      ? []
      : [...this.#families].map(([family, state]) => {
        const chains = [...state.rendered.values()].reduce((sum, port) => sum + port.chains.size, 0);
        return `${family}: ${plan.servicePorts.size} service ports, ${chains} service chains in nat`;
      });
    return { backend: this.name, concern: 'proxy', plan, summary };
  }
}

/** True for the fixed chains (rewritten every sync, never deleted by a sync). */
function isDispatch(name: string): boolean {
  return !Object.values(PORT_CHAIN_PREFIXES).some((prefix) => name.startsWith(prefix));
}
