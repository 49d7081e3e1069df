import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from there so example paths stay relative. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kube-router ARGS...` from source (`node --import tsx src/cli/main.ts`) in the repo root. */
export function runCli(args: readonly string[]): Promise<CliRun> {
  return runCliWithInput(args, undefined);
}

/** True when `text` holds a JavaScript stack frame line (`    at fn (file:1:2)`). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+/m.test(text);
}

/** The non-empty lines of `text`. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Runs `kube-router ARGS...` like {@link runCli}, with `input` on its standard input (none: an empty one). */
export function runCliWithInput(args: readonly string[], input: string | undefined): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/**
 * The problem lines of text output with their kind put back from the group heading above
 * them (`  Pod:` then `    error default/x ...` reads `error Pod default/x ...`), so a test
 * can look for one problem's facts in one string.
 */
export function problemLinesWithKind(stdout: string): string[] {
  const lines: string[] = [];
  let kind = '';
  for (const line of stdout.split('\n')) {
    const heading = /^ {2}(\S+):$/.exec(line);
    if (heading) {
      kind = heading[1] ?? '';
      continue;
    }
    const problem = /^ {4}(error|warning) (.*)$/.exec(line);
    if (problem) lines.push(`${problem[1]} ${kind} ${problem[2]}`);
  }
  return lines;
}
