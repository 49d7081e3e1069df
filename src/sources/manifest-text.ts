import type { Source, SourceSink } from '../core/source/source.js';
import { deliverInBatch } from '../core/store/batching-sink.js';
import { MAX_MANIFEST_BYTES } from './manifest-reader.js';
import { fileProblem, readManifestText } from './manifest-parser.js';

/**
 * A source of manifests already in memory, such as standard input (`-f -`): the text is
 * read as a manifest file named `name` (e.g. `<stdin>`), which every origin and problem
 * prints. Text above {@link MAX_MANIFEST_BYTES} is a `File` problem, as for a file.
 */
export class ManifestTextSource implements Source {
  /** Always `manifests`. */
  readonly name = 'manifests';

  /**
   * @param displayName what origins and problems call the text, e.g. `<stdin>`
   * @param text the manifest text: YAML documents or JSON
   */
  constructor(
    private readonly displayName: string,
    private text: string | undefined,
  ) {}

  /** Delivers every object and problem of the text in one batch, then `synced()`. */
  async start(sink: SourceSink): Promise<void> {
    const text = this.text ?? '';
    this.text = undefined;
    deliverInBatch(sink, () => {
      if (text.length > MAX_MANIFEST_BYTES) {
        sink.problem(fileProblem(this.displayName, `${this.displayName}: more than the ${MAX_MANIFEST_BYTES / 2 ** 20} MiB a manifest may have; not read`));
        return;
      }
      readManifestText(text, this.displayName, {
        object: ({ object, origin }) => sink.upsert(object, origin),
        problem: (problem) => sink.problem(problem),
      });
    });
    sink.synced();
  }

  /** Nothing to stop: the text is read once. */
  async stop(): Promise<void> {}
}

/**
 * Reads a whole stream (standard input) as UTF-8 text for {@link ManifestTextSource},
 * refusing more than {@link MAX_MANIFEST_BYTES}.
 *
 * @throws RangeError when the stream holds more than the limit
 */
export async function readManifestStream(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_MANIFEST_BYTES) throw new RangeError(`more than the ${MAX_MANIFEST_BYTES / 2 ** 20} MiB a manifest may have`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
