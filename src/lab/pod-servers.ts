import { ipFamilyOf } from '../core/model/ip-family.js';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { LabError } from './errors.js';
import { RUN_FILES } from './run-state.js';
import type { LabPodPlan } from './topology.js';

/** How the pod servers came up. */
export interface PodServersReport {
  readonly pid: number;
  /** Listening sockets opened, one per pod port and protocol. */
  readonly listening: number;
  /** One line per socket or pod that could not be served (e.g. two hostNetwork pods on one port). */
  readonly failures: readonly string[];
}

/** Binders started at once: each is a short Node process, so more than a few only queue on the CPUs. */
const BINDER_CONCURRENCY = 8;
/** Longest wait for every pod's sockets. */
const READY_TIMEOUT_MS = 30_000;

/**
 * The helper scripts, plain CommonJS beside this module (in `src/lab/scripts` and, once built,
 * `dist/src/lab/scripts`): they run under plain `node` in lab namespaces, where a TypeScript
 * loader would triple their start-up time.
 */
function helperScript(name: string): string {
  return fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));
}

/** Copies the helper scripts into the run directory, so other processes attaching use the same ones. */
export async function writeRunScripts(runDir: string): Promise<void> {
  await Promise.all(
    [RUN_FILES.daemon, RUN_FILES.binder, RUN_FILES.probe].map((name) => copyFile(helperScript(name), join(runDir, name))),
  );
}

/**
 * Starts the daemon that serves every pod and waits until all binders are done. With
 * `detached`, the daemon is left running when this process exits (the CLI's `lab up`);
 * otherwise it exits with this process, so a crashed test leaves no server behind.
 * `instance` names a further daemon's config and log files (`pod-servers-<instance>.json`).
 */
export async function startPodServers(
  runDir: string,
  pods: readonly LabPodPlan[],
  detached: boolean,
  instance?: string,
): Promise<PodServersReport> {
  // `lab apply` starts one more daemon for the pods it adds, with its own config and log.
  const named = (file: string): string => (instance === undefined ? file : file.replace(/\.(json|log)$/, `-${instance}.$1`));
  const configPath = join(runDir, named(RUN_FILES.daemonConfig));
  await writeFile(configPath, JSON.stringify({
    binder: join(runDir, RUN_FILES.binder),
    concurrency: BINDER_CONCURRENCY,
    detachMarker: join(runDir, RUN_FILES.detachMarker),
    pods: pods.map((pod) => ({
      key: pod.key,
      netns: pod.netns,
      ports: pod.ports,
      dualStack: pod.ips.some((ip) => ipFamilyOf(ip) === 'IPv6'),
    })),
  }));
  if (detached) await writeFile(join(runDir, RUN_FILES.detachMarker), '');
  const logPath = join(runDir, named(RUN_FILES.daemonLog));
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [join(runDir, RUN_FILES.daemon), configPath], {
    stdio: ['ignore', log, log, 'ipc'],
    detached,
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new LabError('the pod server daemon did not start');
  const ready = await new Promise<{ listening: number; failures: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new LabError(`pod servers not ready after ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as { listening: number; failures: string[] });
    });
    child.once('exit', async (code) => {
      clearTimeout(timer);
      const output = await readFile(logPath, 'utf8').catch(() => '');
      reject(new LabError(`the pod server daemon exited with ${code}: ${output.trim().slice(-500)}`));
    });
  });
  child.removeAllListeners('exit');
  if (detached) {
    child.disconnect();
  } else {
    // Keep the channel open (its closing tells the daemon we are gone) without keeping us alive.
    child.channel?.unref();
  }
  child.unref();
  return { pid, listening: ready.listening, failures: ready.failures };
}

/** True when `pid` is the pod server daemon of this run directory (guards against a reused pid). */
export async function isPodServerDaemon(pid: number, runDir: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(join(runDir, RUN_FILES.daemon));
  } catch {
    return false;
  }
}
