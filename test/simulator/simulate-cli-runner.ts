/**
 * Helpers for tests that run the real `kube-router simulate` binary: bounded parallel runs
 * (each run starts node and tsx, so dozens at once would only thrash) and parsers that check
 * the JSON contracts exactly.
 */
import assert from 'node:assert/strict';
import { hasStackTrace, linesOf, runCli, type CliRun } from '../cli/run-cli.js';

/** Runs `kube-router simulate ARGS` for every entry, at most `concurrency` at a time, results in order. */
export async function simulateAll(argsList: readonly (readonly string[])[], concurrency = 3): Promise<CliRun[]> {
  const results: CliRun[] = new Array<CliRun>(argsList.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < argsList.length) {
      const index = next++;
      results[index] = await runCli(['simulate', ...(argsList[index] ?? [])]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, argsList.length) }, worker));
  return results;
}

/** The JSON a trace prints. */
export interface TraceJson {
  verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  backends: string[];
  masquerade: boolean;
  explain: string[];
}

/** The JSON `--explain -o json` prints. */
export interface ExplainJson {
  allowed: boolean;
  explain: string[];
}

/** The JSON `--matrix -o json` prints. */
export interface MatrixJson {
  results: { port: number; protocol: string; matrix: Record<string, Record<string, boolean>> }[];
}

function parsedStdout(run: CliRun): unknown {
  assert.equal(run.code, 0, `exit code ${run.code}; stderr: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

/** The trace a successful run printed, checked to have exactly the contract's keys. */
export function traceOf(run: CliRun): TraceJson {
  const json = parsedStdout(run) as TraceJson;
  assert.deepEqual(Object.keys(json), ['verdict', 'backends', 'masquerade', 'explain']);
  return json;
}

/** The explanation a successful `--explain -o json` run printed, keys checked. */
export function explainOf(run: CliRun): ExplainJson {
  const json = parsedStdout(run) as ExplainJson;
  assert.deepEqual(Object.keys(json), ['allowed', 'explain']);
  return json;
}

/** The matrices a successful `--matrix -o json` run printed, keys checked. */
export function matricesOf(run: CliRun): MatrixJson {
  const json = parsedStdout(run) as MatrixJson;
  assert.deepEqual(Object.keys(json), ['results']);
  for (const result of json.results) assert.deepEqual(Object.keys(result), ['port', 'protocol', 'matrix']);
  return json;
}

/**
 * A matrix written by hand as rows of `1` (allowed) and `0` (denied), one row per source in
 * the order of `pods`, one character per destination in the same order; spaces are ignored
 * (they group namespaces for the reader).
 */
export function matrixFromRows(pods: readonly string[], rows: readonly string[]): Record<string, Record<string, boolean>> {
  assert.equal(rows.length, pods.length, 'one row per pod');
  const matrix: Record<string, Record<string, boolean>> = {};
  pods.forEach((from, row) => {
    const cells = (rows[row] ?? '').replaceAll(' ', '');
    assert.equal(cells.length, pods.length, `row ${from} has ${cells.length} cells`);
    matrix[from] = Object.fromEntries(pods.map((to, column) => [to, cells[column] === '1']));
  });
  return matrix;
}

/** Asserts an expected failure: exit 2, one line on stderr (matching `pattern`), no stack trace, nothing on stdout. */
export function assertOneLineFailure(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit code ${run.code}; stdout: ${run.stdout}; stderr: ${run.stderr}`);
  assert.equal(hasStackTrace(run.stderr), false, run.stderr);
  assert.equal(run.stdout, '');
  const lines = linesOf(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] ?? '', pattern);
}
