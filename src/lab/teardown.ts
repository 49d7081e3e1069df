import type { CommandRunner } from '../core/ports/command-runner.js';
import { labNamespaces } from './ip-batches.js';
import { LAB_NETNS_PREFIX, runIdOfNetns } from './names.js';
import { deleteNetns, listNetns, pidsInNetns } from './netns.js';
import { isPodServerDaemon } from './pod-servers.js';
import { listRunStates, removeRunDirectory, runDirectory, runIsAlive, type LabRunState } from './run-state.js';
import type { LabTopology } from './topology.js';

/**
 * Removes one run: its pod server daemon (after checking the pid really is that daemon), every
 * process inside its namespaces, the namespaces themselves, and the run directory.
 */
export async function teardownRun(
  runner: CommandRunner,
  runDir: string,
  topology: LabTopology,
  daemonPid: number | undefined,
): Promise<void> {
  if (daemonPid !== undefined && (await isPodServerDaemon(daemonPid, runDir))) killQuietly(daemonPid);
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
  for (const runId of doomed) {
    const state = states.get(runId);
    const runDir = runDirectory(stateRoot, runId);
    if (state?.daemonPid !== undefined && (await isPodServerDaemon(state.daemonPid, runDir))) killQuietly(state.daemonPid);
  }
  await removeNamespaces(runner, labNames.filter((name) => doomed.includes(runIdOfNetns(name) ?? '')));
  await Promise.all(doomed.map((runId) => removeRunDirectory(runDirectory(stateRoot, runId))));
  return doomed;
}

async function removeNamespaces(runner: CommandRunner, names: readonly string[]): Promise<void> {
  // Processes inside (agents, binders, probe runners) are the lab's own; they go first so
  // nothing keeps a deleted namespace alive.
  for (const pid of await pidsInNetns(names)) killQuietly(pid);
  await deleteNetns(runner, names);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
