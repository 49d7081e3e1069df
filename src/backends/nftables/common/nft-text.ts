/**
 * Text helpers shared by the nftables backends: what may reach an `nft -f` payload.
 *
 * nft reads a quoted string up to the next `"` with no escape sequence at all, so a comment
 * cannot carry a quote; and a newline would split a payload line. User text therefore reaches a
 * payload only through {@link nftComment}, which keeps a small safe alphabet and replaces every
 * other character with `_`.
 *
 * @module
 */

/** nft refuses comments longer than 128 characters; we stay below with room to spare. */
export const MAX_COMMENT_LENGTH = 100;

const SAFE = /[^A-Za-z0-9 ./:=_+,@-]/g;

/**
 * `text` as an nft quoted comment (`"..."`): characters outside letters, digits and ` ./:=_+,@-`
 * become `_` (so quotes, newlines, `#`, `;`, braces and non-ASCII never reach the payload),
 * truncated to {@link MAX_COMMENT_LENGTH}.
 */
export function nftComment(text: string): string {
  return `"${[...text].slice(0, MAX_COMMENT_LENGTH).join('').replace(SAFE, '_')}"`;
}

/**
 * One `nft -f` transaction being built: lines in order. nft applies the whole file in one
 * netlink batch, so either every line takes effect or none does.
 */
export class NftTransaction {
  readonly #lines: string[] = [];

  /** Appends `line` (one command or one line of a block; must not contain a newline). */
  add(line: string): this {
    if (line.includes('\n')) throw new Error('an nft payload line cannot contain a newline');
    this.#lines.push(line);
    return this;
  }

  /** Appends every line of `lines`. */
  addAll(lines: Iterable<string>): this {
    for (const line of lines) this.add(line);
    return this;
  }

  /** Number of lines so far. */
  get size(): number {
    return this.#lines.length;
  }

  /** True when nothing was added. */
  get empty(): boolean {
    return this.#lines.length === 0;
  }

  /** The payload for `nft -f -`. */
  text(): string {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }
}
