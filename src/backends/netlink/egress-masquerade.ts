import type { PodEgressMasquerade } from '../../core/plan/route-plan.js';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { checkTableName, renderEgressRemoval, renderEgressReplacement } from './egress-ruleset.js';

/** Bound on one `nft -f -` run. */
const NFT_TIMEOUT_MS = 30_000;

/**
 * Programs pod egress masquerade in an nftables table of its own, through the
 * `CommandRunner` (`nft -f -`, the ruleset on standard input, one transaction per change).
 * A failure rejects with the runner's `BackendError` (command, exit code, nft's stderr) and,
 * the transaction being atomic, leaves the table as it was.
 */
export class EgressMasqueradeTable {
  /** `nft` runs of the current sync. */
  transactions = 0;

  /**
   * @param runner runs `nft`
   * @param table the `inet` table's name
   */
  constructor(
    private readonly runner: CommandRunner,
    readonly table: string,
  ) {
    checkTableName(table);
  }

  /** Replaces the table with the rules for `masquerade`. */
  async apply(masquerade: PodEgressMasquerade): Promise<void> {
    await this.run(renderEgressReplacement(this.table, masquerade));
  }

  /** Deletes the table (fine when it does not exist). */
  async remove(): Promise<void> {
    await this.run(renderEgressRemoval(this.table));
  }

  private async run(ruleset: string): Promise<void> {
    this.transactions++;
    await this.runner.run('nft', ['-f', '-'], { input: ruleset, timeoutMs: NFT_TIMEOUT_MS });
  }
}
