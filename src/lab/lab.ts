import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { CommandRunner, RunOptions, RunResult } from '../core/ports/command-runner.js';
import { ExecCommandRunner } from '../exec/exec-command-runner.js';
import { LabError } from './errors.js';
import { requireKernelFeature } from './kernel-features.js';
import { labNamespaces, NODE_SYSCTLS, planIpStages, ROUTER_SYSCTLS } from './ip-batches.js';
import { applyToRun, type LabApplyResult } from './lab-apply.js';
import { matrixRequests, type MatrixResult } from './matrix.js';
import {
  agentSettingsOf,
  startNodeAgent,
  waitForAgentsReady,
  writeRunManifests,
  type LabAgentOptions,
} from './node-agents.js';
import { newRunId } from './names.js';
import { addNetns, execInNetns, runBatch } from './netns.js';
import { startPodServers, writeRunScripts, type PodServersReport } from './pod-servers.js';
import { DEFAULT_PROBE_TIMEOUT_MS, runProbes, sourceNetns, type ProbeRequest, type ProbeResult } from './probe.js';
import {
  DEFAULT_STATE_ROOT,
  listRunStates,
  readRunState,
  runDirectory,
  writeRunState,
  type LabRunState,
} from './run-state.js';
import { removeLeftovers, teardownRun } from './teardown.js';
import { planTopology, type LabProtocol, type LabTopology, type TopologyOptions } from './topology.js';

/** Where the lab keeps run state and which runner it uses. */
export interface LabEnvironmentOptions {
  /** Directory holding one sub-directory per run. Default `/run/kube-router-lab`. */
  readonly stateRoot?: string;
  /** Runs `ip`, `sysctl` and `modprobe`. Default: the real `ExecCommandRunner`. */
  readonly runner?: CommandRunner;
}

/** Options of `Lab.up`. */
export interface LabUpOptions extends TopologyOptions, LabEnvironmentOptions {
  /** Run id (6 hex digits by default, random). */
  readonly runId?: string;
  /**
   * Leave the pod servers running after this process exits, so other processes can attach
   * (what `kube-router lab up` does). Default false: they end with this process.
   */
  readonly detached?: boolean;
  /**
   * Run the reference agent in every node's namespace (`kube-router lab up --run-router`):
   * `up` resolves once each has finished its first sync; they run until `down`.
   */
  readonly agents?: LabAgentOptions | undefined;
}

/** Options of `Lab.attach`. */
export interface LabAttachOptions extends LabEnvironmentOptions {
  /** The run to attach to; default the newest. */
  readonly runId?: string;
}

/** Options of `lab.matrix`. */
export interface MatrixOptions {
  /** Per probe; default 1000 ms. */
  readonly timeoutMs?: number;
}

/**
 * A cluster's nodes and pods as network namespaces on this machine, with real bridges, veths
 * and an isolated underlay. Nothing is attached to or added in the root namespace. Needs root.
 *
 * ```ts
 * const lab = await Lab.up(snapshot);
 * try {
 *   const result = await lab.probe({ from: 'default/a', to: 'default/b', port: 80, protocol: 'tcp' });
 * } finally {
 *   await lab.down();
 * }
 * ```
 */
export class Lab {
  private readonly spawned = new Set<ChildProcess>();
  private finished = false;

  private constructor(
    private currentTopology: LabTopology,
    /** The run directory holding state and helper scripts. */
    readonly runDir: string,
    private readonly runner: CommandRunner,
    private daemonPid: number | undefined,
    /** How the pod servers came up; undefined for an attached lab. */
    readonly podServers?: PodServersReport,
  ) {}

  /** Everything the lab built, as data (changed by {@link Lab.apply}). */
  get topology(): LabTopology {
    return this.currentTopology;
  }

  /** The run id every namespace name of this lab carries. */
  get runId(): string {
    return this.topology.runId;
  }

  /**
   * Builds the lab for the nodes and pods of `snapshot`: removes leftovers of crashed runs,
   * creates namespaces, links and addresses, and starts the pod servers. On failure, whatever
   * was built is removed before the error is thrown.
   */
  static async up(snapshot: Pick<ClusterSnapshot, 'nodes' | 'pods'>, options: LabUpOptions = {}): Promise<Lab> {
    const runner = options.runner ?? new ExecCommandRunner();
    const stateRoot = options.stateRoot ?? DEFAULT_STATE_ROOT;
    const topology = planTopology(snapshot, options.runId ?? newRunId(), options);
    if (options.agents?.runServiceProxy && options.agents.proxyBackend === 'ipvs') {
      await requireKernelFeature('ipvs', 'the ipvs proxy backend', 'use --proxy-backend nftables or iptables, or run the lab in the kernel VM (kube-router lab vm)', runner);
    }
    await removeLeftovers(runner, stateRoot);
    await ensureBridgeNetfilter(runner);
    const runDir = runDirectory(stateRoot, topology.runId);
    const state: LabRunState = {
      version: 1,
      runId: topology.runId,
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      detached: options.detached ?? false,
      topology,
    };
    // State first: if this process dies half way, the next run knows what to remove.
    await writeRunState(runDir, state);
    const placeholder = new Lab(topology, runDir, runner, undefined);
    try {
      await writeRunScripts(runDir);
      await addNetns(runner, labNamespaces(topology));
      const sysctls = setSysctls(runner, topology);
      for (const stage of planIpStages(topology)) {
        await Promise.all(stage.map((batch) => runBatch(runner, batch)));
      }
      await sysctls;
      const servers = await startPodServers(runDir, topology.pods, state.detached);
      let running: LabRunState = { ...state, daemonPid: servers.pid };
      await writeRunState(runDir, running);
      const lab = new Lab(topology, runDir, runner, servers.pid, servers);
      if (options.agents) {
        placeholder.daemonPid = servers.pid;
        // The planners tell pod traffic from other traffic by the cluster CIDR: the lab's pod CIDRs.
        const agentSettings = agentSettingsOf({
          ...options.agents,
          clusterCIDRs: options.agents.clusterCIDRs ?? [...new Set(topology.nodes.flatMap((node) => node.podCIDRs))],
        });
        await writeRunManifests(runDir, options.agents.manifests);
        const agents = [];
        for (const node of topology.nodes) {
          agents.push(await startNodeAgent(runDir, node, agentSettings));
          // Recorded one by one: a failure half way still leaves every started agent known to `down`.
          running = { ...running, agentSettings, agents: [...agents] };
          await writeRunState(runDir, running);
        }
        await waitForAgentsReady(agents);
      }
      return lab;
    } catch (error) {
      await placeholder.down();
      throw error;
    }
  }

  /** A handle on a lab another process brought up (`kube-router lab up`). */
  static async attach(options: LabAttachOptions = {}): Promise<Lab> {
    const stateRoot = options.stateRoot ?? DEFAULT_STATE_ROOT;
    const state = options.runId
      ? await readRunState(runDirectory(stateRoot, options.runId))
      : (await listRunStates(stateRoot))[0];
    if (!state) {
      throw new LabError(options.runId ? `no lab run ${options.runId} under ${stateRoot}` : `no lab is up (nothing under ${stateRoot})`);
    }
    return new Lab(state.topology, runDirectory(stateRoot, state.runId), options.runner ?? new ExecCommandRunner(), state.daemonPid);
  }

  /**
   * Makes the lab follow new manifests while it runs (`kube-router lab apply`): see
   * `applyToRun`. The agents, if any, see the new manifests through their watch.
   */
  async apply(snapshot: Pick<ClusterSnapshot, 'nodes' | 'pods'>, manifests: readonly string[]): Promise<LabApplyResult> {
    const state = await readRunState(this.runDir);
    if (!state) throw new LabError(`lab run ${this.runId} has no state under ${this.runDir}`);
    const result = await applyToRun(this.runner, this.runDir, state, snapshot, manifests);
    this.currentTopology = result.state.topology;
    return result;
  }

  /** Where node `node`'s agent writes its log, when the lab runs agents. */
  async agentLog(node: string): Promise<string | undefined> {
    return (await readRunState(this.runDir))?.agents?.find((agent) => agent.node === node)?.log;
  }

  /** Probes once from a pod, node or the client to a pod, node, client or IP. */
  async probe(request: ProbeRequest): Promise<ProbeResult> {
    const [result] = await this.probeAll([request]);
    return result as ProbeResult;
  }

  /** Runs many probes in parallel (one runner process per source namespace). */
  probeAll(requests: readonly ProbeRequest[]): Promise<ProbeResult[]> {
    return runProbes(this.runner, this.topology, this.runDir, requests);
  }

  /**
   * Probes every ordered pair of `pods` (default: every pod with its own namespace) on every
   * port and protocol.
   */
  async matrix(
    pods: readonly string[] = this.topology.pods.filter((pod) => !pod.hostNetwork).map((pod) => pod.key),
    ports: readonly number[] = [80],
    protocols: readonly LabProtocol[] = ['tcp', 'udp'],
    options: MatrixOptions = {},
  ): Promise<MatrixResult> {
    const started = Date.now();
    const results = await this.probeAll(matrixRequests(pods, ports, protocols, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS));
    return { pods, ports, protocols, results, elapsedMs: Date.now() - started };
  }

  /** Runs `argv` inside node `node`'s namespace (`ip netns exec`, no shell). Rejects on a non-zero exit. */
  exec(node: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return execInNetns(this.runner, this.nodeNetns(node), argv, options);
  }

  /** Runs `argv` in the namespace of a pod key, `node:NAME` or `client`. */
  execIn(where: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return execInNetns(this.runner, sourceNetns(this.topology, where), argv, options);
  }

  /**
   * Starts a long-running process (e.g. a node agent) inside node `node`'s namespace. The lab
   * kills it on `down` if it still runs.
   */
  spawnInNode(node: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    if (argv.length === 0) throw new RangeError('spawnInNode needs a program to run');
    const child = spawn('ip', ['netns', 'exec', this.nodeNetns(node), ...argv], { ...options, shell: false });
    this.spawned.add(child);
    child.once('exit', () => this.spawned.delete(child));
    return child;
  }

  /** The namespace of node `node`. Throws `LabError` if the lab has no such node. */
  nodeNetns(node: string): string {
    const found = this.topology.nodes.find((candidate) => candidate.name === node);
    if (!found) throw new LabError(`no node ${node} in the lab`);
    return found.netns;
  }

  /**
   * Removes everything the lab made: processes in its namespaces, the pod server daemon, the
   * namespaces (and with them every link), and the run directory. Safe to call twice.
   */
  async down(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const child of this.spawned) child.kill('SIGKILL');
    // The state as it is now: `lab apply` (maybe another process) adds agents and daemons.
    const state = await readRunState(this.runDir);
    await teardownRun(this.runner, this.runDir, state?.topology ?? this.topology, this.daemonPid, state ?? {});
  }

  /**
   * Tears the lab down on SIGINT or SIGTERM, then exits (130 or 143). Returns a function that
   * removes the handlers again.
   */
  downOnSignals(): () => void {
    const handler = (signal: NodeJS.Signals): void => {
      void this.down().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}

/**
 * Bridged pod traffic reaches iptables only with br_netfilter; loading the module is a kernel
 * module load, not a change to the root namespace's network state.
 */
async function ensureBridgeNetfilter(runner: CommandRunner): Promise<void> {
  try {
    await access('/proc/sys/net/bridge/bridge-nf-call-iptables');
  } catch {
    await runner.run('modprobe', ['br_netfilter']);
  }
}

async function setSysctls(runner: CommandRunner, topology: LabTopology): Promise<void> {
  const jobs = topology.nodes.map((node) => execInNetns(runner, node.netns, ['sysctl', '-q', '-w', ...NODE_SYSCTLS]));
  if (topology.router) jobs.push(execInNetns(runner, topology.router.netns, ['sysctl', '-q', '-w', ...ROUTER_SYSCTLS]));
  await Promise.all(jobs);
}
