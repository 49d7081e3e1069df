/** Pending text joined once it reaches this many characters: 1 MiB strings live outside the young generation. */
const CHUNK_CHARACTERS = 1 << 20;

/**
 * Texts collected in order and joined into strings of about 1 MiB as they come, so that a
 * full payload's 10,000 per-port texts die young instead of being copied into the old
 * generation while the rest of the payload is rendered, and the payload's final join has a
 * few dozen strings to copy.
 */
export class TextChunks {
  readonly #chunks: string[] = [];
  #pending: string[] = [];
  #pendingLength = 0;

  /** Appends `text` (nothing for an empty one). */
  push(text: string): void {
    if (text === '') return;
    this.#pending.push(text);
    this.#pendingLength += text.length;
    if (this.#pendingLength >= CHUNK_CHARACTERS) this.#flush();
  }

  /** Everything appended, in order, as a few strings. */
  texts(): readonly string[] {
    this.#flush();
    return this.#chunks;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#chunks.push(this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join(''));
    this.#pending = [];
    this.#pendingLength = 0;
  }
}
