import { readFile } from 'node:fs/promises';
import type { Problem } from '../core/model/index.js';
import type { Source, SourceSink } from '../core/source/source.js';
import { deliverInBatch } from '../core/store/batching-sink.js';
import { findManifestFiles } from './manifest-files.js';
import { fileProblem, parseManifest, type ManifestObject } from './manifest-parser.js';

/**
 * A source reading Kubernetes manifests: files and directories (see {@link findManifestFiles}
 * for the walk and order; {@link parseManifest} for multi-document YAML, JSON and lists).
 *
 * `start` reads everything first, then delivers every object (in file order, as one batch
 * when the sink can batch), every problem, and `synced()`. A file that cannot be parsed, or a
 * document of it, becomes a problem of kind `File`; the other files still load. A path that
 * does not exist rejects `start` with a `ConfigError` before anything is delivered.
 *
 * The files are read once: there is no watch.
 */
export class ManifestSource implements Source {
  /** Always `manifests`. */
  readonly name = 'manifests';

  /** @param paths files or directories, loaded in this order */
  constructor(private readonly paths: readonly string[]) {}

  /** Reads every file, then delivers all objects and problems in one batch, then `synced()`. */
  async start(sink: SourceSink): Promise<void> {
    const files = await findManifestFiles(this.paths);
    const objects: ManifestObject[] = [];
    const problems: Problem[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        problems.push(fileProblem(file, `${file}: cannot be read (${(error as Error).message})`));
        continue;
      }
      const parsed = parseManifest(text, file);
      objects.push(...parsed.objects);
      problems.push(...parsed.problems);
    }
    deliverInBatch(sink, () => {
      for (const problem of problems) sink.problem(problem);
      for (const { object, origin } of objects) sink.upsert(object, origin);
    });
    sink.synced();
  }

  /** Nothing to stop: the files were read once by `start`. */
  async stop(): Promise<void> {}
}
