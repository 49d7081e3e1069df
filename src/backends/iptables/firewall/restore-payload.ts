import { inDeclarationOrder } from '../declaration-order.js';
import type { ChainFragment } from './chain-render.js';

/**
 * An `iptables-restore --noflush` transaction of the filter table, built from fragments.
 * With `--noflush`, declaring a chain (`:NAME - [0:0]`) creates it or, when it exists, empties
 * it, so a declared chain followed by its rules is replaced whole and nothing undeclared is
 * touched; built-in chains are never declared (their policy and other rules stay).
 * Declarations are written in reverse name order, which `iptables-nft-restore` takes fastest
 * (see `inDeclarationOrder`).
 *
 * @module
 */
export class FilterTransaction {
  readonly #declared = new Set<string>();
  readonly #deletes: string[] = [];
  readonly #rules: string[] = [];
  readonly #removed = new Set<string>();

  /** Replaces `chain` with its fragment's rules. */
  replaceChain(chain: ChainFragment): void {
    this.#declared.add(chain.name);
    this.#rules.push(...chain.rules);
  }

  /** Empties and deletes chain `name` (after every rule referring to it went). */
  removeChain(name: string): void {
    this.#declared.add(name);
    this.#removed.add(name);
  }

  /** Deletes one rule, given as its `-A CHAIN ...` line. */
  deleteRule(appendLine: string): void {
    this.#deletes.push(`-D${appendLine.slice(2)}`);
  }

  /** Adds lines as they are (`-A`, `-I`, `-D` of built-in chains). */
  addLines(lines: readonly string[]): void {
    for (const line of lines) (line.startsWith('-D') ? this.#deletes : this.#rules).push(line);
  }

  /** True when the transaction would change nothing. */
  get empty(): boolean {
    return this.#declared.size === 0 && this.#deletes.length === 0 && this.#rules.length === 0;
  }

  /** The payload: declarations, deletions, rules, chain removals, COMMIT. */
  payload(): string {
    const lines = [
      '*filter',
      ...inDeclarationOrder([...this.#declared]).map((name) => `:${name} - [0:0]`),
      ...this.#deletes,
      ...this.#rules,
      ...[...this.#removed].map((name) => `-X ${name}`),
      'COMMIT',
    ];
    return `${lines.join('\n')}\n`;
  }
}

