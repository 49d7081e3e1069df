import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { ProxyBackend } from '../../../core/backend/concern-backends.js';
import type { IPFamily } from '../../../core/model/index.js';
import type { ProxyPlan, ProxySettings, ServicePortPlan } from '../../../core/plan/proxy-plan.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { CommandRunner } from '../../../core/ports/command-runner.js';
import { BUILTIN_JUMPS, isJumpLine } from './builtin-jumps.js';
import { composeCleanupPayload, composeFamilyPayload, PORT_DISPATCH_CHAINS, type FamilyPayload, type PortDispatchChain, type PortDispatchTexts } from './family-payload.js';
import { PORT_CHAIN_PREFIXES } from './proxy-chain-names.js';
import { restoreCommand, saveCommand } from './rule-text.js';
import { jumpsIntoOwned, ownedChains, parseSave } from './saved-rules.js';
import { chainTexts, EMPTY_RENDER, renderServicePort, type RenderedServicePort } from './service-port-render.js';
import { TextChunks } from './text-chunks.js';
import { proxySyncScope } from '../../common/proxy-sync-scope.js';

/** Options of {@link IptablesProxyBackend}. */
export interface IptablesProxyBackendOptions {
  /** Longest wait for one iptables-restore or iptables-save run, in ms. Default 60,000. */
  readonly timeoutMs?: number | undefined;
}

/**
 * One service port as programmed in one family: the plan fragment, its lines in the dispatch
 * chains and how many chains it owns. Its own chains' text is not kept (at 10,000 services that
 * is most of a 45 MB payload): rendering is a function of the fragment and the settings, so a
 * partial sync renders the programmed fragment again to compare, and a full sync renders all.
 */
interface ProgrammedPort extends PortDispatchTexts {
  /** The fragment rendered (a later plan sharing this object renders the same text). */
  readonly source: ServicePortPlan;
  /** How many nat chains the port owns (for {@link IptablesProxyBackend.describe}). */
  readonly chains: number;
}

/** What the backend remembers having programmed in one family. */
interface FamilyState {
  /** The settings the ports were rendered with. */
  readonly settings: ProxySettings;
  /** Each service port as applied: what a partial sync compares the new rendering with. */
  readonly ports: Map<string, ProgrammedPort>;
}

/** What is kept of `render`, the rendering of `source`. */
function programmedPort(source: ServicePortPlan, render: RenderedServicePort): ProgrammedPort {
  const { services, nodePorts, servicesFilter, externalServices } = render;
  return { source, chains: render.chainNames.length, services, nodePorts, servicesFilter, externalServices };
}

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/**
 * The service proxy on iptables, with kube-proxy's layout under names of its own (`KR-SERVICES`,
 * `KR-NODEPORTS`, `KR-SVC-*`, `KR-SEP-*`, `KR-EXT-*`, `KR-LBFW-*`, `KR-POSTROUTING` in nat;
 * `KR-SERVICES-FILTER`, `KR-EXTERNAL-SERVICES`, `KR-PROXY-FIREWALL` in filter). Each sync runs
 * one `iptables-restore --noflush -w` per family (ip6tables-restore for IPv6) through the
 * `CommandRunner` (wrap it in a `NetnsCommandRunner` to program a node namespace).
 *
 * Partial: of the service ports that changed since the last successful sync, only the chains
 * whose rules changed are rewritten (an endpoint added writes its port's balancing chain and
 * the new endpoint's chain), and a dispatch chain only when some port's rules in it changed
 * (a port added or removed, a frontend changed, a frontend losing or gaining all its
 * endpoints); it is then composed whole from what the backend remembers of every port.
 * Chains gone from a port, or of removed ports, are flushed and deleted; a family with
 * nothing to write gets no restore run. It reads the kernel back (`iptables-save`)
 * only on the first sync of a family and on `resync`, to delete leftover chains of ours,
 * rewrite every chain and re-insert missing jumps from the built-in chains. Rules and chains
 * it does not own are never named in a payload. A rejected payload changes nothing in its
 * family; the remembered state stays the previous one, so the next sync writes the change again.
 * With localhost NodePorts it sets `net.ipv4.conf.all.route_localnet=1` in the namespace (as
 * kube-proxy does, and like kube-proxy it leaves it set on cleanup), and `KR-PROXY-FIREWALL`
 * drops what reaches 127.0.0.0/8 from elsewhere unless DNATed or of a known connection.
 *
 * Service CIDRs (`settings.serviceCIDRs`): `KR-SERVICES-FILTER` ends with a REJECT of new
 * connections still addressed into them and not DNATed, so an address no service holds on
 * that port and protocol (a deleted service, a wrong port) is refused, TCP with a reset and
 * anything else with ICMP port unreachable. kube-proxy rejects the wrong ports of allocated
 * cluster IPs but drops unallocated addresses; refusing both makes a client of a deleted
 * service fail at once instead of timing out. These lines are written with the chain, so an
 * incremental sync that rewrites it writes them again (two lines per service CIDR).
 */
export class IptablesProxyBackend implements ProxyBackend {
  /** Always `iptables`. */
  readonly name = 'iptables';
  readonly concern = 'proxy' as const;
  #programmed: ProxyPlan | undefined;
  readonly #families = new Map<IPFamily, FamilyState>();
  /** Lines restored by the sync running (for its report); the payloads themselves are not kept. */
  #restoredLines = 0;
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

  /** Makes nat and filter match `plan`; see {@link ProxyBackend.sync}. */
  async sync(plan: ProxyPlan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const previous = this.#programmed;
    const { full, changes, removed } = proxySyncScope(previous, plan, options);
    this.#restoredLines = 0;
    if (full && plan.settings.localhostNodePorts) {
      // Localhost NodePorts DNAT packets from 127.0.0.1 to pods: the kernel routes them only so.
      await this.runner.run('sysctl', ['-q', '-w', 'net.ipv4.conf.all.route_localnet=1'], { timeoutMs: this.timeoutMs });
    }
    for (const family of this.familiesFor(plan, full ? undefined : changes.changed)) {
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
      payload: { lines: this.#restoredLines },
    };
  }

  /**
   * IPv4 always; IPv6 once a plan has an IPv6 frontend, and from then on. Without IPv6
   * programmed, the last programmed plan had no IPv6 frontend, so only the `changed` ports can
   * bring one (all ports when undefined): a partial sync does not scan every port.
   */
  private familiesFor(plan: ProxyPlan, changed: readonly string[] | undefined): IPFamily[] {
    const isIPv6 = (port: ServicePortPlan | undefined): boolean => port?.frontends.some((frontend) => frontend.family === 'IPv6') ?? false;
    const hasIPv6 = this.#families.has('IPv6') || (changed === undefined
      ? plan.servicePorts.values().some(isIPv6)
      : changed.some((key) => isIPv6(plan.servicePorts.get(key))));
    return hasIPv6 ? ['IPv4', 'IPv6'] : ['IPv4'];
  }

  private async syncFullFamily(plan: ProxyPlan, family: IPFamily, state: FamilyState | undefined): Promise<void> {
    const tables = parseSave((await this.runner.run(saveCommand(family), [], { timeoutMs: this.timeoutMs })).stdout);
    // Chains that may be gone: leftovers of ours in the kernel, and those of programmed ports
    // whose rendering may differ (a fragment rendered again with the same settings has the same chains).
    const candidates = ownedChains(tables.get('nat')).filter((name) => !isDispatch(name));
    if (state !== undefined) {
      const sameSettings = isDeepStrictEqual(state.settings, plan.settings);
      for (const [key, programmed] of state.ports) {
        if (sameSettings && plan.servicePorts.get(key) === programmed.source) continue;
        candidates.push(...renderServicePort(programmed.source, family, state.settings).chainNames);
      }
    }
    // The names of the chains written are collected only when some chain may have to go.
    const wanted = candidates.length === 0 ? undefined : new Set<string>();
    const ports = new Map<string, ProgrammedPort>();
    const chainNames: (readonly string[])[] = [];
    const rules = new TextChunks();
    for (const port of plan.servicePorts.values()) {
      const render = renderServicePort(port, family, plan.settings);
      ports.set(port.key, programmedPort(port, render));
      chainNames.push(render.chainNames);
      rules.push(render.chainsText);
      if (wanted !== undefined) for (const name of render.chainNames) wanted.add(name);
    }
    const deleteChains = wanted === undefined ? [] : candidates.filter((name) => !wanted.has(name));
    const insertJumps = BUILTIN_JUMPS.filter(
      (jump) => !(tables.get(jump.table)?.rules ?? []).some((line) => isJumpLine(line, jump.builtin, jump.target)),
    );
    const payload = composeFamilyPayload({
      family,
      settings: plan.settings,
      ports: ports.values(),
      dispatch: 'full',
      rewrite: { chainNames, rules: rules.texts() },
      chains: [],
      deleteChains,
      insertJumps,
    });
    await this.restore(family, payload);
    this.#families.set(family, { settings: plan.settings, ports });
  }

  /**
   * Writes what changed in `family` for the changed and removed service ports: per port, the
   * chains whose text differs from the one programmed (new chains included) and the deletion
   * of chains it no longer has; the dispatch chains in which some port's rules differ. The
   * remembered state changes only once the kernel took the payload.
   */
  private async syncPartialFamily(
    plan: ProxyPlan,
    family: IPFamily,
    state: FamilyState,
    changes: { readonly changed: readonly string[]; readonly removed: readonly string[] },
  ): Promise<void> {
    const updated = new Map<string, ProgrammedPort | undefined>();
    const chains: [string, string][] = [];
    const stale: string[] = [];
    const dispatch = new Set<PortDispatchChain>();
    const compare = (key: string, port: ServicePortPlan | undefined): void => {
      // The programmed fragment rendered again with the settings it was rendered with: the text applied.
      const programmed = state.ports.get(key);
      const before = programmed === undefined ? EMPTY_RENDER : renderServicePort(programmed.source, family, state.settings);
      const after = port === undefined ? EMPTY_RENDER : renderServicePort(port, family, plan.settings);
      updated.set(key, port === undefined ? undefined : programmedPort(port, after));
      for (const chain of PORT_DISPATCH_CHAINS) if (before[chain] !== after[chain]) dispatch.add(chain);
      const beforeChains = chainTexts(before);
      const afterChains = chainTexts(after);
      for (const [name, text] of afterChains) if (beforeChains.get(name) !== text) chains.push([name, text]);
      for (const name of beforeChains.keys()) if (!afterChains.has(name)) stale.push(name);
    };
    for (const key of changes.changed) compare(key, plan.servicePorts.get(key));
    for (const key of changes.removed) compare(key, undefined);
    if (chains.length > 0 || stale.length > 0 || dispatch.size > 0) {
      const renderOf = (port: ServicePortPlan): PortDispatchTexts =>
        (updated.has(port.key) ? updated.get(port.key) : state.ports.get(port.key)) ?? EMPTY_RENDER;
      // Every port's rendering only when a dispatch chain is composed: one endpoint more needs none.
      const ports = dispatch.size > 0 ? plan.servicePorts.values().map(renderOf) : [];
      const payload = composeFamilyPayload({ family, settings: plan.settings, ports, dispatch, chains, deleteChains: stale, insertJumps: [] });
      await this.restore(family, payload);
    }
    for (const [key, programmed] of updated) {
      if (programmed === undefined) state.ports.delete(key);
      else state.ports.set(key, programmed);
    }
  }

  private async restore(family: IPFamily, payload: FamilyPayload): Promise<void> {
    await this.runner.run(restoreCommand(family), ['--noflush', '-w'], { input: payload.text, timeoutMs: this.timeoutMs });
    this.#restoredLines += payload.lines;
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
        const chains = [...state.ports.values()].reduce((sum, port) => sum + port.chains, 0);
        return `${family}: ${plan.servicePorts.size} service ports, ${chains} service chains in nat`;
      });
    return { backend: this.name, concern: 'proxy', plan, summary };
  }
}

/** True for the fixed chains (never deleted by a sync). */
function isDispatch(name: string): boolean {
  return !Object.values(PORT_CHAIN_PREFIXES).some((prefix) => name.startsWith(prefix));
}
