import { spawn } from 'node:child_process';
import { BackendError } from '../core/errors.js';
import type { CommandRunner, RunOptions, RunResult } from '../core/ports/command-runner.js';

/** Output above this size is cut, so a runaway tool cannot exhaust memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The real `CommandRunner`: spawns the program without a shell, feeds `input` on standard
 * input, collects output, and enforces the timeout by killing the process.
 */
export class ExecCommandRunner implements CommandRunner {
  /** @param defaultTimeoutMs applied when a run gives none */
  constructor(private readonly defaultTimeoutMs = 60_000) {}

  /** Spawns `command` without a shell and collects its output; see {@link CommandRunner.run}. */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<RunResult>((resolve, reject) => {
      // Its own process group, so a timeout can kill what the command forked as well: a
      // grandchild holding the output pipes open would otherwise outlive the bound.
      const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], shell: false, detached: true });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let size = 0;
      let timedOut = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
      };
      child.stdout.on('data', collect(stdout));
      child.stderr.on('data', collect(stderr));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
        child.stdout.destroy();
        child.stderr.destroy();
      }, timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new BackendError(command, args, undefined, '', error.code ?? error.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const out = Buffer.concat(stdout).toString('utf8');
        const err = Buffer.concat(stderr).toString('utf8');
        if (timedOut) {
          reject(new BackendError(command, args, undefined, err, `timeout after ${timeoutMs} ms`));
        } else if (code === null) {
          reject(new BackendError(command, args, undefined, err, `signal ${signal ?? 'unknown'}`));
        } else if (code !== 0 && !(options.allowedExitCodes ?? []).includes(code)) {
          reject(new BackendError(command, args, code, err));
        } else {
          resolve({ stdout: out, stderr: err, exitCode: code });
        }
      });
      // A command that exits without reading its input makes the write fail with EPIPE;
      // the exit code already tells what happened, so that error is not the one to report.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  }
}
