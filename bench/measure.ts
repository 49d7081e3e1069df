/** Small measuring helpers shared by the benchmarks. */
import { performance } from 'node:perf_hooks';

/** Runs a full garbage collection when node runs with `--expose-gc`; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  gc();
  return true;
}

/** Milliseconds `fn` took, and what it returned. */
export function timed<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** The median of `values` (which it sorts). */
export function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? (values[middle] as number) : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : value >= 1 ? `${value.toFixed(1)} ms` : `${(value * 1000).toFixed(0)} µs`;
}

/** Prints rows as an aligned two-column table under a title. */
export function printTable(title: string, rows: readonly (readonly [string, string])[]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  console.log(`\n${title}\n`);
  console.log(`| ${'measure'.padEnd(width)} | ${'value'.padEnd(valueWidth)} |`);
  console.log(`|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 2)}|`);
  for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${value.padEnd(valueWidth)} |`);
}

/** Wall-clock and CPU milliseconds of one call (CPU time counts every thread, the collector's too). */
export async function measured<T>(work: () => T | Promise<T>): Promise<{ wall: number; cpu: number; result: T }> {
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  return { wall, cpu: (cpu.user + cpu.system) / 1000, result };
}

/** How many warm calls {@link coldAndWarm} takes the median of. */
export const WARM_ROUNDS = 3;

/** The first call (cold: nothing compiled yet) and the median of {@link WARM_ROUNDS} more, as "wall / CPU". */
export async function coldAndWarm<T>(
  work: () => T | Promise<T>,
  rounds = WARM_ROUNDS,
): Promise<{ cold: string; warm: string; wallMs: number; cpuMs: number; result: T }> {
  const first = await measured(work);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const next = await measured(work);
    walls.push(next.wall);
    cpus.push(next.cpu);
  }
  const [wallMs, cpuMs] = [median(walls), median(cpus)];
  return { cold: `${ms(first.wall)} / ${ms(first.cpu)} CPU`, warm: `${ms(wallMs)} / ${ms(cpuMs)} CPU`, wallMs, cpuMs, result: first.result };
}
