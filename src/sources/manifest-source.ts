import type { Problem } from '../core/model/index.js';
import type { Source, SourceSink } from '../core/source/source.js';
import { deliverInBatch } from '../core/store/batching-sink.js';
import { findManifestEntries } from './manifest-files.js';
import { fileProblem, readManifestText } from './manifest-parser.js';
import { readManifestFile } from './manifest-reader.js';
import { ManifestWatcher, type ManifestWatchOptions } from './manifest-watcher.js';

/** Options of {@link ManifestSource}. */
export interface ManifestSourceOptions extends ManifestWatchOptions {
  /**
   * Keep watching the files and directories after the initial load (see `ManifestWatcher`):
   * edits, new files and removed files become upserts and removals. Default false: read once.
   */
  readonly watch?: boolean | undefined;
}

/**
 * A source reading Kubernetes manifests: files and directories (see {@link findManifestFiles}
 * for the walk and order; {@link parseManifest} for multi-document YAML, JSON and lists).
 *
 * `start` reads everything first, then delivers every object (in file order, as one batch
 * when the sink can batch), every problem, and `synced()`. A file that cannot be parsed, or a
 * document of it, becomes a problem of kind `File`; the other files still load. A path that
 * does not exist rejects `start` with a `ConfigError` before anything is delivered.
 *
 * Without `watch` the files are read once. With `watch: true`, `start` delivers the initial
 * list the same way and then follows the files until `stop` (see `ManifestWatcher`).
 */
export class ManifestSource implements Source {
  /** Always `manifests`. */
  readonly name = 'manifests';

  private watcher: ManifestWatcher | undefined;

  /**
   * @param paths files or directories, loaded in this order
   * @param options watch mode and its timings
   */
  constructor(
    private readonly paths: readonly string[],
    private readonly options: ManifestSourceOptions = {},
  ) {}

  /** Reads every file, then delivers all objects and problems in one batch, then `synced()`. */
  async start(sink: SourceSink): Promise<void> {
    if (this.options.watch) {
      this.watcher = new ManifestWatcher(this.paths, sink, this.options);
      await this.watcher.start();
      sink.synced();
      return;
    }
    const { files, problems } = await findManifestEntries(this.paths);
    const texts: { file: string; text: string | undefined }[] = [];
    const readProblems: Problem[] = [...problems];
    for (const file of files) {
      const read = await readManifestFile(file);
      if (read === undefined) readProblems.push(fileProblem(file, `${file}: vanished before it could be read`));
      else if ('problem' in read) readProblems.push(read.problem);
      else texts.push({ file, text: read.text });
    }
    // Each object goes to the sink as soon as it is read, and each file's text is dropped once
    // read: what stays is the store's model, not the raw documents.
    deliverInBatch(sink, () => {
      for (const problem of readProblems) sink.problem(problem);
      for (const entry of texts) {
        const text = entry.text ?? '';
        entry.text = undefined;
        readManifestText(text, entry.file, { object: ({ object, origin }) => sink.upsert(object, origin), problem: (problem) => sink.problem(problem) });
      }
    });
    sink.synced();
  }

  /** Stops watching (in watch mode); without watch there is nothing to stop. */
  async stop(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = undefined;
  }

  /** In watch mode, reads the files again now and resolves once the difference is delivered. */
  async rescanNow(): Promise<void> {
    await this.watcher?.rescanNow();
  }
}
