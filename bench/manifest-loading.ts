/**
 * Manifest loading at scale: a JSON `PodList` of 50 MB and of 200 MB (the size of a
 * `kubectl get -A -o json` of a large cluster) and a 50 MB multi-document YAML file, each
 * loaded in a child process of its own so that its peak RSS is its own. Two figures per file:
 * the manifest reader alone (text to raw objects, each dropped at once) and the whole load
 * (`loadCluster`: reader, conversion and store).
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
}

/** In the child: one measurement of one file. */
async function measureOne(mode: string, path: string): Promise<Measured> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let objects = 0;
  if (mode === 'reader') {
    readManifestText(readFileSync(path, 'utf8'), path, { object: () => objects++, problem: () => undefined });
  } else {
    objects = (await loadCluster([path])).snapshot.pods().length;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, objects };
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
    console.log('| file | pods | step | seconds | s per MB | CPU seconds | peak RSS MiB |');
    console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: |');
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
        console.log(`| ${name} (${sizeMB.toFixed(0)} MB) | ${pods} | ${mode} | ${seconds.toFixed(1)} | ${(seconds / sizeMB).toFixed(3)} | ${cpuSeconds} | ${measured.maxRssMiB.toFixed(0)} |`);
      }
      await rm(path);
    }
    console.log(`load average after: ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
