/**
 * Manifest loading at scale: a JSON `PodList` of 50 MB and of 200 MB (the size of a
 * `kubectl get -A -o json` of a large cluster) and a 50 MB multi-document YAML file, each
 * loaded in a child process of its own so that its peak RSS is its own. Two figures per file:
 * the manifest reader alone (text to raw objects, each dropped at once) and the whole load
 * (`loadCluster`: reader, conversion and store, the first snapshot and its problem list);
 * after the load, the CPU time of the first lookup by label, which builds the label index.
 *
 * `npx tsx bench/manifest-loading.ts` (the files are generated in a temp folder and removed)
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadCluster } from '../src/sources/load-cluster.js';
import { readManifestText } from '../src/sources/manifest-parser.js';
import type { ClusterSnapshot } from '../src/core/store/snapshot.js';
import { ENVELOPE, rawPod } from './cluster-generator.js';

const MiB = 1024 * 1024;

/** Writes pods until the file reaches `megabytes`; JSON as one PodList, YAML as documents. */
async function generate(path: string, megabytes: number, format: 'json' | 'yaml'): Promise<number> {
  const out = createWriteStream(path);
  let size = 0;
  let count = 0;
  const write = async (chunk: string): Promise<void> => {
    size += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  if (format === 'json') await write('{"apiVersion": "v1", "kind": "PodList", "items": [\n');
  while (size < megabytes * MiB) {
    const pod = rawPod(count, ENVELOPE);
    if (format === 'json') await write(`${count > 0 ? ',\n' : ''}${JSON.stringify(pod, null, 2)}`);
    else await write(`---\n${stringify(pod)}`);
    count++;
  }
  if (format === 'json') await write('\n]}\n');
  out.end();
  await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  return count;
}

interface Measured {
  readonly ms: number;
  /** CPU time (user + system) of the step: less inflated than wall time on a busy machine. */
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  readonly objects: number;
  /**
   * CPU time of the first lookup by label after the load (`podsWithLabel`), which builds the
   * label index (deferred until first use; a planner of NetworkPolicies asks at once, a
   * listing never). Not part of `cpuMs`; 0 for the reader alone.
   */
  readonly labelIndexCpuMs: number;
  /** Peak RSS once the label index is built as well. */
  readonly maxRssWithLabelIndexMiB: number;
}

/** In the child: one measurement of one file. */
async function measureOne(mode: string, path: string): Promise<Measured> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let objects = 0;
  let snapshot: ClusterSnapshot | undefined;
  if (mode === 'reader') {
    readManifestText(readFileSync(path, 'utf8'), path, { object: () => objects++, problem: () => undefined });
  } else {
    snapshot = (await loadCluster([path])).snapshot;
    objects = snapshot.pods().length;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const labelStarted = process.cpuUsage();
  snapshot?.podsWithLabel('app', 'svc-1');
  const labelCpu = process.cpuUsage(labelStarted);
  const labelIndexCpuMs = snapshot === undefined ? 0 : (labelCpu.user + labelCpu.system) / 1000;
  const maxRssWithLabelIndexMiB = process.resourceUsage().maxRSS / 1024;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB, objects, labelIndexCpuMs, maxRssWithLabelIndexMiB };
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--one') {
  console.log(JSON.stringify(await measureOne(process.argv[3]!, process.argv[4]!)));
} else {
  const dir = await mkdtemp(join(tmpdir(), 'kr-manifest-bench-'));
  try {
    const files: [string, number, 'json' | 'yaml'][] = [
      ['pods-50.json', 50, 'json'],
      ['pods-200.json', 200, 'json'],
      ['pods-50.yaml', 50, 'yaml'],
    ];
    const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' ');
    console.log(`load average before: ${load()}`);
    console.log('| file | pods | step | seconds | s per MB | CPU seconds | peak RSS MiB | then first label lookup, CPU s | peak RSS MiB with it |');
    console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, megabytes, format] of files) {
      const path = join(dir, name);
      const pods = await generate(path, megabytes, format);
      const sizeMB = (await stat(path)).size / MiB;
      for (const mode of ['reader', 'load']) {
        const output = execFileSync(process.execPath, [...process.execArgv, self, '--one', mode, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
        const measured = JSON.parse(output.trim().split('\n').pop()!) as Measured;
        if (measured.objects !== pods) throw new Error(`${name}: expected ${pods} pods, read ${measured.objects}`);
        const seconds = measured.ms / 1000;
        const cpuSeconds = (measured.cpuMs / 1000).toFixed(1);
        const labelSeconds = mode === 'load' ? (measured.labelIndexCpuMs / 1000).toFixed(1) : '';
        const labelRss = mode === 'load' ? measured.maxRssWithLabelIndexMiB.toFixed(0) : '';
        console.log(`| ${name} (${sizeMB.toFixed(0)} MB) | ${pods} | ${mode} | ${seconds.toFixed(1)} | ${(seconds / sizeMB).toFixed(3)} | ${cpuSeconds} | ${measured.maxRssMiB.toFixed(0)} | ${labelSeconds} | ${labelRss} |`);
      }
      await rm(path);
    }
    console.log(`load average after: ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
