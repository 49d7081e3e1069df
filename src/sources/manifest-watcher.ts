import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { objectIdentity } from '../core/convert/index.js';
import type { Problem } from '../core/model/index.js';
import type { RawObject, SourceSink } from '../core/source/source.js';
import { deliverInBatch } from '../core/store/batching-sink.js';
import { objectKindKey } from '../core/store/object-kind-key.js';
import { findManifestEntries } from './manifest-files.js';
import { readManifestFile } from './manifest-reader.js';
import { fileProblem, parseManifest, type ManifestObject } from './manifest-parser.js';

/** Options of watch mode (`ManifestSource` with `watch: true`). */
export interface ManifestWatchOptions {
  /**
   * Quiet time after the last file event before the files are read again, in milliseconds:
   * an editor's save or a copy is several events, and one rescan covers them. Default 100.
   */
  readonly debounceMs?: number | undefined;
  /**
   * Interval of the poll that runs beside `fs.watch`, in milliseconds: it catches what
   * `fs.watch` misses (network file systems, a path that did not exist yet, a watch that
   * failed to start). 0 turns it off. Default 2000.
   */
  readonly pollIntervalMs?: number | undefined;
  /**
   * Use `fs.watch` (default true). False leaves only the poll: for file systems where
   * `fs.watch` reports nothing, and for testing the poll on its own.
   */
  readonly fsWatch?: boolean | undefined;
}

/** What one file held the last time it read well. */
interface FileState {
  readonly text: string;
  readonly objects: readonly ManifestObject[];
}

/** The key an object is deleted by: kind (with its group when foreign), namespace and name, as the store keys it. */
function identityKey(object: RawObject): string | undefined {
  const identity = objectIdentity(object);
  if (identity?.name === undefined) return undefined;
  return JSON.stringify([objectKindKey(object, identity.kind), identity.namespace ?? '', identity.name]);
}

/**
 * Keeps a sink in step with manifest files: reads them once (the initial list), then reads
 * them again after every change and delivers the difference: objects new or changed since the
 * last good read are upserted, objects no longer in any file are removed. A file that cannot
 * be read or parsed (half written, broken) is a problem and keeps its last good objects, so an
 * editor's intermediate save never deletes anything; a file that is gone is an empty file.
 * (On its first read, a file with a broken document gives its good documents, as a one-shot
 * load does.)
 */
export class ManifestWatcher {
  private readonly files = new Map<string, FileState>();
  /** The objects delivered last, by identity: what the next diff starts from. */
  private delivered = new Map<string, ManifestObject>();
  private readonly watchers: FSWatcher[] = [];
  private debounceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescanWanted = false;
  private stopped = false;
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private readonly fsWatch: boolean;

  /**
   * @param paths files or directories, as `ManifestSource` takes them
   * @param sink where objects, removals and problems go
   * @param options debounce and poll interval
   */
  constructor(
    private readonly paths: readonly string[],
    private readonly sink: SourceSink,
    options: ManifestWatchOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.fsWatch = options.fsWatch ?? true;
  }

  /**
   * Reads every file and delivers the initial list (then the caller says `synced()`), and
   * starts watching. Rejects with a `ConfigError` when a path does not exist, before anything
   * is delivered.
   */
  async start(): Promise<void> {
    const { files, problems } = await findManifestEntries(this.paths);
    await this.readAndDeliver(files, problems);
    if (this.stopped) return;
    if (this.fsWatch) this.startWatches();
    if (this.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => this.schedule(0), this.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  /** Stops watching and waits for a read in flight; nothing is delivered afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.scanning;
  }

  /** Resolves when the files have been read again and the difference delivered (for tests and callers that wrote files). */
  async rescanNow(): Promise<void> {
    this.schedule(0);
    while (this.scanning || this.debounceTimer) {
      await (this.scanning ?? new Promise((resolve) => setTimeout(resolve, 5)));
    }
  }

  private startWatches(): void {
    // Directories are watched, not files: editors and `lab apply` replace a file by renaming a
    // new one over it, which ends a watch on the old file's inode.
    const targets = new Set<string>();
    for (const path of this.paths) targets.add(path);
    for (const file of this.files.keys()) targets.add(dirname(file));
    for (const path of this.paths) targets.add(dirname(path));
    for (const target of targets) {
      try {
        const watcher = watch(target, { recursive: true, persistent: false }, () => this.schedule(this.debounceMs));
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // A file (not a directory) given as a path, or one that is gone: the poll covers it.
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.rescan();
    }, delayMs);
  }

  private rescan(): void {
    if (this.scanning) {
      this.rescanWanted = true;
      return;
    }
    this.scanning = this.scanOnce().finally(() => {
      this.scanning = undefined;
      if (this.rescanWanted && !this.stopped) {
        this.rescanWanted = false;
        this.rescan();
      }
    });
  }

  private async scanOnce(): Promise<void> {
    let files: readonly string[];
    let walkProblems: readonly Problem[];
    try {
      ({ files, problems: walkProblems } = await findManifestEntries(this.paths));
    } catch (error) {
      // A path gone for a moment (a directory being replaced): keep everything, say so.
      if (!this.stopped) this.sink.problem(fileProblem(this.paths.join(','), (error as Error).message));
      return;
    }
    await this.readAndDeliver(files, walkProblems);
  }

  /** Reads `files`, updates the per-file state and delivers the difference in one batch. */
  private async readAndDeliver(files: readonly string[], walkProblems: readonly Problem[]): Promise<void> {
    const problems: Problem[] = [...walkProblems];
    /** Files read anew or gone: their earlier problems are withdrawn before the new ones arrive. */
    const reread: string[] = [];
    const present = new Set(files);
    for (const file of [...this.files.keys()]) {
      if (present.has(file)) continue;
      this.files.delete(file);
      reread.push(file);
    }
    for (const file of files) {
      const read = await readManifestFile(file);
      if (read === undefined) {
        this.files.delete(file);
        reread.push(file);
        continue;
      }
      if ('problem' in read) {
        problems.push(read.problem);
        continue;
      }
      const text = read.text;
      if (this.files.get(file)?.text === text) continue;
      const parsed = parseManifest(text, file);
      reread.push(file);
      problems.push(...parsed.problems);
      // Half written or broken: its last good objects stay until it reads well again. A file
      // never read well before gives its good documents, as a one-shot load does.
      const previous = this.files.get(file);
      if (parsed.problems.length > 0 && previous !== undefined) continue;
      this.files.set(file, { text, objects: parsed.objects });
    }
    if (this.stopped) return;
    const next = new Map<string, ManifestObject>();
    const unnamed: ManifestObject[] = [];
    // Load order, the later file winning: as `ManifestSource` loads them.
    for (const file of files) {
      for (const object of this.files.get(file)?.objects ?? []) {
        const key = identityKey(object.object);
        if (key === undefined) unnamed.push(object);
        else next.set(key, object);
      }
    }
    const previous = this.delivered;
    this.delivered = next;
    deliverInBatch(this.sink, () => {
      for (const file of reread) this.sink.withdrawProblems?.(file);
      for (const problem of problems) this.sink.problem(problem);
      for (const [key, object] of previous) if (!next.has(key)) this.sink.remove(object.object);
      for (const [key, object] of next) {
        const before = previous.get(key);
        if (before === undefined || before.origin !== object.origin || JSON.stringify(before.object) !== JSON.stringify(object.object)) {
          this.sink.upsert(object.object, object.origin);
        }
      }
      // Objects without a name cannot be deleted later; the store reports them as problems.
      for (const object of unnamed) this.sink.upsert(object.object, object.origin);
    });
  }
}
