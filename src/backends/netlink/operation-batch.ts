import { BackendError } from '../../core/errors.js';

/**
 * Runs the kernel requests of one sync phase, a bounded number at a time, and keeps going past
 * a failure: one refused route must not leave the other 4,999 unprogrammed. The failures are
 * collected and thrown together at the end of the sync ({@link OperationBatch.throwIfFailed}).
 */
export class OperationBatch {
  private readonly failures: Error[] = [];

  /** @param concurrency requests in flight at once (netlink requests pipeline on one socket) */
  constructor(private readonly concurrency: number) {}

  /** Runs `work` for every item, at most `concurrency` at once; failures are kept, not thrown. */
  async forEach<T>(items: Iterable<T>, work: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const item = queue[next++] as T;
        await this.attempt(() => work(item));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  /** Runs one request; a failure is kept, not thrown. */
  async attempt(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.record(error);
    }
  }

  /** Keeps a failure found without a request (a plan fragment the kernel cannot carry). */
  record(error: unknown): void {
    this.failures.push(error instanceof Error ? error : new Error(String(error)));
  }

  /** How many requests failed so far. */
  get failureCount(): number {
    return this.failures.length;
  }

  /**
   * Throws what failed: the error itself when one request failed (it already names the
   * request), otherwise one `BackendError` listing them all.
   */
  throwIfFailed(): void {
    if (this.failures.length === 0) return;
    const [first] = this.failures;
    if (this.failures.length === 1 && first instanceof BackendError) throw first;
    const lines = this.failures.map((failure) => failure.message).join('\n');
    throw new BackendError('netlink', ['sync'], undefined, lines, `${this.failures.length} requests failed`);
  }
}
