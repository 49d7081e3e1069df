import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabTopology } from './topology.js';

/** Where runs keep their state unless told otherwise (tmpfs, gone after a reboot like the namespaces). */
export const DEFAULT_STATE_ROOT = '/run/kube-router-lab';

/** What another process needs to probe, exec in or tear down a running lab. */
export interface LabRunState {
  readonly version: 1;
  readonly runId: string;
  readonly createdAt: string;
  /** The process that ran `up`; the run is alive while it or the pod server daemon lives. */
  readonly ownerPid: number;
  /** The pod server daemon, once started. */
  readonly daemonPid?: number | undefined;
  /** True when the pod servers outlive the process that ran `up`. */
  readonly detached: boolean;
  readonly topology: LabTopology;
  /** Pod server daemons `lab apply` started for pods it added. */
  readonly extraDaemonPids?: readonly number[] | undefined;
  /** How the node agents run (`lab up --run-router`), so `lab apply` starts new nodes' agents alike. */
  readonly agentSettings?: LabAgentSettings | undefined;
  /** The node agents running, one per node. */
  readonly agents?: readonly LabAgentRecord[] | undefined;
}

/** How `lab up --run-router` runs the reference agent in every node's namespace. */
export interface LabAgentSettings {
  /** The CLI to run, as an argv prefix (`node [loader flags] .../main.js`); `agent --watch ...` follows. */
  readonly command: readonly string[];
  /** Working directory of the agents (where the command's relative paths resolve). */
  readonly cwd: string;
  /** Flags after `agent --watch -f <manifests> --hostname-override <node>`. */
  readonly flags: readonly string[];
}

/** One node agent the lab started. */
export interface LabAgentRecord {
  readonly node: string;
  readonly pid: number;
  /** Its standard output and error. */
  readonly log: string;
  /** Written by the agent after its first sync of every concern. */
  readonly readyFile: string;
}

/** File names inside a run directory. */
export const RUN_FILES = {
  state: 'state.json',
  daemon: 'pod-server-daemon.cjs',
  binder: 'pod-server-binder.cjs',
  probe: 'probe-runner.cjs',
  daemonConfig: 'pod-servers.json',
  daemonLog: 'pod-servers.log',
  detachMarker: 'detached',
  manifests: 'manifests',
  agents: 'agents',
} as const;

/** The directory of run `runId`. */
export function runDirectory(stateRoot: string, runId: string): string {
  return join(stateRoot, runId);
}

/** Writes the state file (creating the run directory). */
export async function writeRunState(runDir: string, state: LabRunState): Promise<void> {
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await writeFile(join(runDir, RUN_FILES.state), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads a run's state, or undefined when the run has none (never started, or removed). */
export async function readRunState(runDir: string): Promise<LabRunState | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, RUN_FILES.state), 'utf8')) as LabRunState;
  } catch {
    return undefined;
  }
}

/** Every run with a state file under `stateRoot`, newest first. */
export async function listRunStates(stateRoot: string): Promise<LabRunState[]> {
  let entries: string[];
  try {
    entries = await readdir(stateRoot);
  } catch {
    return [];
  }
  const states = await Promise.all(entries.map((entry) => readRunState(join(stateRoot, entry))));
  return states
    .filter((state): state is LabRunState => state !== undefined)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Removes a run directory and everything in it. */
export async function removeRunDirectory(runDir: string): Promise<void> {
  await rm(runDir, { recursive: true, force: true });
}

/** True when a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while the run is in use: its owner still runs, or, for a detached run, its pod server
 * daemon does. (An attached daemon dies with its owner, maybe a moment later.)
 */
export function runIsAlive(state: LabRunState): boolean {
  return processAlive(state.ownerPid) || (state.detached && processAlive(state.daemonPid));
}
