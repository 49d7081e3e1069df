import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findManifestFiles } from '../sources/manifest-files.js';
import { LabError } from './errors.js';
import { processAlive, RUN_FILES, type LabAgentRecord, type LabAgentSettings } from './run-state.js';
import type { FirewallBackendName, ProxyBackendName } from '../agent/kernel-backends.js';
import type { LabNodePlan } from './topology.js';

/** The one manifest file the lab's agents watch: `<run>/manifests/cluster.yaml`. */
export function manifestsFile(runDir: string): string {
  return join(runDir, RUN_FILES.manifests, 'cluster.yaml');
}

/**
 * Copies the manifests under `paths` (files and directories, in load order) into the run
 * directory as one multi-document file, written beside and renamed into place: the agents'
 * watch sees one complete change, never a half-copied tree. (JSON documents are YAML, so they
 * join the stream as they are.)
 */
export async function writeRunManifests(runDir: string, paths: readonly string[]): Promise<string> {
  const files = await findManifestFiles(paths);
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  const target = manifestsFile(runDir);
  await mkdir(join(runDir, RUN_FILES.manifests), { recursive: true });
  const next = `${target}.next`;
  await writeFile(next, texts.map((text, index) => `# from ${files[index]}\n${text}\n`).join('---\n'));
  await rename(next, target);
  return target;
}

/** Longest wait for a node agent's first sync. */
export const AGENT_READY_TIMEOUT_MS = 60_000;
/** Time a stopping agent gets after SIGTERM before SIGKILL. */
export const AGENT_STOP_TIMEOUT_MS = 5_000;

/**
 * Starts the reference agent inside `node`'s namespace (`ip netns exec`, which execs, so the
 * pid is the agent's), detached from this process so it outlives `lab up`; its output goes to
 * `<run>/agents/<node>.log`.
 */
export async function startNodeAgent(runDir: string, node: LabNodePlan, settings: LabAgentSettings): Promise<LabAgentRecord> {
  const directory = join(runDir, RUN_FILES.agents);
  await mkdir(directory, { recursive: true });
  // Node names are the file names' only variable part; the lab's namespace names are already safe.
  const base = join(directory, node.netns);
  const record = { node: node.name, log: `${base}.log`, readyFile: `${base}.ready` };
  const log = openSync(record.log, 'a');
  const argv = [
    'netns', 'exec', node.netns, ...settings.command,
    'agent', '--watch', '-f', manifestsFile(runDir), '--hostname-override', node.name,
    '--ready-file', record.readyFile, ...settings.flags,
    // The node's own underlay subnet: nodes on it are reached directly, others by tunnel.
    '--underlay-cidrs', node.underlayAddresses.join(','),
  ];
  const child = spawn('ip', argv, { cwd: settings.cwd, stdio: ['ignore', log, log], detached: true, shell: false });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new LabError(`the agent of node ${node.name} did not start`);
  return { ...record, pid: child.pid };
}

/**
 * Resolves once every agent has written its ready file (its first sync of every concern is
 * done); rejects with the log's end when one exits first or the time runs out.
 */
export async function waitForAgentsReady(agents: readonly LabAgentRecord[], timeoutMs = AGENT_READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(agents);
  while (pending.size > 0) {
    for (const agent of [...pending]) {
      if (await exists(agent.readyFile)) {
        pending.delete(agent);
      } else if (!processAlive(agent.pid)) {
        throw new LabError(`the agent of node ${agent.node} exited before its first sync: ${await logTail(agent)}`);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      const first = [...pending][0] as LabAgentRecord;
      throw new LabError(`the agent of node ${first.node} has not synced after ${timeoutMs} ms: ${await logTail(first)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Stops agents: SIGTERM (they stop their controllers and leave the kernel state, which goes
 * with the namespaces), then SIGKILL for any still running after `timeoutMs`. A pid that is
 * no longer this run's agent (reused by the system) is left alone.
 */
export async function stopNodeAgents(agents: readonly LabAgentRecord[], timeoutMs = AGENT_STOP_TIMEOUT_MS): Promise<void> {
  const running: LabAgentRecord[] = [];
  for (const agent of agents) {
    if (await isNodeAgent(agent)) running.push(agent);
  }
  for (const agent of running) signal(agent.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (running.some((agent) => processAlive(agent.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  for (const agent of running) if (processAlive(agent.pid)) signal(agent.pid, 'SIGKILL');
}

/** True when `agent.pid` still runs this agent (its command line names its ready file). */
export async function isNodeAgent(agent: LabAgentRecord): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${agent.pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(agent.readyFile);
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function logTail(agent: LabAgentRecord): Promise<string> {
  const text = await readFile(agent.log, 'utf8').catch(() => '');
  return `${text.trim().split('\n').slice(-5).join(' | ')} (log: ${agent.log})`;
}

/** How `Lab.up` runs the reference agent (`kube-router agent --watch`) in every node's namespace. */
export interface LabAgentOptions {
  /** The CLI as an argv prefix, e.g. `[process.execPath, '--import', 'tsx', 'src/cli/main.ts']`. */
  readonly command: readonly string[];
  /** Working directory of the agents; default this process's. */
  readonly cwd?: string | undefined;
  /** The manifests (files or directories) the lab was built from; copied into the run directory. */
  readonly manifests: readonly string[];
  /** `netlink` programs each node namespace's kernel routes; `mock` (the default) only plans. */
  readonly routeBackend?: 'netlink' | 'mock' | undefined;
  /** `--enable-overlay`; default true. */
  readonly enableOverlay?: boolean | undefined;
  /** `--overlay-type`; default subnet. */
  readonly overlayType?: 'subnet' | 'full' | undefined;
  /** `--overlay-encap`; default vxlan, since this machine's kernel has no IPIP. */
  readonly overlayEncap?: 'vxlan' | 'ipip' | 'fou' | undefined;
  /** Run the router (`--run-router`); default true. */
  readonly runRouter?: boolean | undefined;
  /** Run the NetworkPolicy firewall (`--run-firewall`); default false. */
  readonly runFirewall?: boolean | undefined;
  /** `--firewall-backend` when the firewall runs; default mock. */
  readonly firewallBackend?: FirewallBackendName | undefined;
  /** Run the service proxy (`--run-service-proxy`); default false. */
  readonly runServiceProxy?: boolean | undefined;
  /** `--proxy-backend` when the proxy runs; default mock. */
  readonly proxyBackend?: ProxyBackendName | undefined;
  /** `--cluster-cidr`: the cluster's pod CIDRs (the lab passes its nodes' pod CIDRs). */
  readonly clusterCIDRs?: readonly string[] | undefined;
  /** `--service-cluster-ip-range`, when known. */
  readonly serviceClusterIPRanges?: readonly string[] | undefined;
  /** `--masquerade-all`. */
  readonly masqueradeAll?: boolean | undefined;
}

/** The settings kept in the run state, so `lab apply` starts new nodes' agents the same way. */
export function agentSettingsOf(options: LabAgentOptions): LabAgentSettings {
  const runFirewall = options.runFirewall ?? false;
  const runServiceProxy = options.runServiceProxy ?? false;
  const cidrs = (flag: string, values: readonly string[] | undefined): string[] =>
    values !== undefined && values.length > 0 ? [flag, values.join(',')] : [];
  return {
    command: [...options.command],
    cwd: options.cwd ?? process.cwd(),
    flags: [
      // The agent runs every controller unless told otherwise: each is said explicitly.
      `--run-router=${String(options.runRouter ?? true)}`,
      `--run-firewall=${String(runFirewall)}`,
      `--run-service-proxy=${String(runServiceProxy)}`,
      '--route-backend', options.routeBackend ?? 'mock',
      ...(runFirewall ? ['--firewall-backend', options.firewallBackend ?? 'mock'] : []),
      ...(runServiceProxy ? ['--proxy-backend', options.proxyBackend ?? 'mock'] : []),
      ...cidrs('--cluster-cidr', options.clusterCIDRs),
      ...cidrs('--service-cluster-ip-range', options.serviceClusterIPRanges),
      ...(options.masqueradeAll ? ['--masquerade-all'] : []),
      '--enable-overlay', String(options.enableOverlay ?? true),
      '--overlay-type', options.overlayType ?? 'subnet',
      '--overlay-encap', options.overlayEncap ?? 'vxlan',
    ],
  };
}
