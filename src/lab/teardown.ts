import { readFileSync } from 'node:fs';
import type { CommandRunner } from '../core/ports/command-runner.js';
import { labNamespaces } from './ip-batches.js';
import { LAB_NETNS_PREFIX, runIdOfNetns } from './names.js';
import { deleteNetns, listNetns, pidsInNetns } from './netns.js';
import { isPodServerDaemon } from './pod-servers.js';
import { stopNodeAgents } from './node-agents.js';
import { listRunStates, removeRunDirectory, runDirectory, runIsAlive, type LabAgentRecord, type LabRunState } from './run-state.js';
import type { LabTopology } from './topology.js';

/** What a run started besides its first pod server daemon. */
export interface RunProcesses {
  /** Node agents: stopped with SIGTERM, then SIGKILL, before the namespaces go. */
  readonly agents?: readonly LabAgentRecord[] | undefined;
  /** Pod server daemons `lab apply` started. */
  readonly extraDaemonPids?: readonly number[] | undefined;
}

/**
 * Removes one run: its node agents (SIGTERM, then SIGKILL after a timeout), its pod server
 * daemons (after checking each pid really is one of this run), every process inside its
 * namespaces, the namespaces themselves, and the run directory.
 */
export async function teardownRun(
  runner: CommandRunner,
  runDir: string,
  topology: LabTopology,
  daemonPid: number | undefined,
  processes: RunProcesses = {},
): Promise<void> {
  await stopRunProcesses(runDir, daemonPid, processes);
  const existing = new Set(await listNetns(runner));
  const names = labNamespaces(topology).filter((name) => existing.has(name));
  await removeNamespaces(runner, names);
  await removeRunDirectory(runDir);
}

/**
 * Removes what crashed runs left: namespaces with the lab prefix whose run is not alive, and
 * their run directories. Runs still in use (their owner, or a detached run's daemon, lives)
 * are kept, including those of other processes running labs at the same time.
 * @returns the run ids removed
 */
export async function removeLeftovers(runner: CommandRunner, stateRoot: string): Promise<string[]> {
  return removeRuns(runner, stateRoot, (state) => state === undefined || !runIsAlive(state));
}

/**
 * Removes every lab run on the machine, alive or not (`kube-router lab down`).
 * @returns the run ids removed
 */
export async function removeAllRuns(runner: CommandRunner, stateRoot: string): Promise<string[]> {
  return removeRuns(runner, stateRoot, () => true);
}

async function removeRuns(
  runner: CommandRunner,
  stateRoot: string,
  shouldRemove: (state: LabRunState | undefined) => boolean,
): Promise<string[]> {
  // Namespaces first, states second: a run writes its state before it creates namespaces, so
  // every namespace seen here belongs to a run whose state (if any) the next line sees.
  const labNames = (await listNetns(runner)).filter((name) => name.startsWith(LAB_NETNS_PREFIX));
  const states = new Map((await listRunStates(stateRoot)).map((state) => [state.runId, state]));
  const runIds = new Set([...states.keys(), ...labNames.map((name) => runIdOfNetns(name) ?? '')]);
  runIds.delete('');
  const doomed = [...runIds].filter((runId) => shouldRemove(states.get(runId)));
  await Promise.all(doomed.map((runId) => {
    const state = states.get(runId);
    return stopRunProcesses(runDirectory(stateRoot, runId), state?.daemonPid, state ?? {});
  }));
  await removeNamespaces(runner, labNames.filter((name) => doomed.includes(runIdOfNetns(name) ?? '')));
  await Promise.all(doomed.map((runId) => removeRunDirectory(runDirectory(stateRoot, runId))));
  return doomed;
}

async function stopRunProcesses(runDir: string, daemonPid: number | undefined, processes: RunProcesses): Promise<void> {
  await stopNodeAgents(processes.agents ?? []);
  for (const pid of [...(daemonPid === undefined ? [] : [daemonPid]), ...(processes.extraDaemonPids ?? [])]) {
    if (await isPodServerDaemon(pid, runDir)) killQuietly(pid);
  }
}

/** Kills every process inside `names`, then deletes them. */
export async function removeNamespaces(runner: CommandRunner, names: readonly string[]): Promise<void> {
  // Processes inside (agents, binders, probe runners) are the lab's own; they go first so
  // nothing keeps a deleted namespace alive.
  const pids = await pidsInNetns(names);
  for (const pid of pids) killQuietly(pid);
  await waitUntilGone(pids);
  await deleteNetns(runner, names);
}

/** Waits (up to about 2 s) for killed processes to leave, so their namespaces are unused. */
async function waitUntilGone(pids: readonly number[]): Promise<void> {
  for (let round = 0; round < 40 && pids.some(alive); round++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the process still runs; a zombie has already left its namespaces. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
