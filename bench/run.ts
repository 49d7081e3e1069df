/**
 * Runs every benchmark, each in its own node process with `--expose-gc` (so memory figures
 * are measured after a full collection) and a fresh heap (so one benchmark's garbage does
 * not weigh on the next). To add a benchmark, add its file to BENCHMARKS.
 *
 * `npm run bench` runs them all; `npm run bench -- store-memory` runs the named ones.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: readonly string[] = [
  'store-memory',
  'source-problems',
  'sorted-table-vs-btree',
  'planners',
  'pipeline',
  'route-backend',
  'lab-timing',
  'kernel-vm',
  'manifest-loading',
  'nftables-firewall',
  'iptables-firewall',
  'nftables-proxy',
  'iptables-proxy',
  'ipvs-vm',
];

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const selected = wanted.length > 0 ? BENCHMARKS.filter((name) => wanted.includes(name)) : BENCHMARKS;
const unknown = wanted.filter((name) => !BENCHMARKS.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const name of selected) {
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`${name} failed (${result.status ?? result.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
