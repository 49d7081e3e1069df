/**
 * Follows a file another machine is writing: the guest writes the command's output to the
 * results share, and the host reads what was added every so often. Polling rather than
 * fs.watch: the file does not exist until the command starts, and one polling loop covers
 * both waiting for it and following it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** How often the file is read for new bytes. */
const POLL_INTERVAL_MS = 100;

/** Reads bytes appended to a file and hands them on, until stopped. */
export class FileTail {
  private handle: FileHandle | undefined;
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  /**
   * @param path the file; it need not exist yet
   * @param onData called with each new chunk, in order
   */
  constructor(
    private readonly path: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {}

  /** Starts polling. */
  start(): void {
    this.timer = setInterval(() => this.poll(), POLL_INTERVAL_MS);
  }

  /** Stops polling after one last read, so nothing written before the call is missed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.poll();
    await this.reading;
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Queues one read behind the previous one, so chunks never overlap or reorder. */
  private poll(): void {
    this.reading = this.reading.then(() => this.readNew()).catch(() => undefined);
  }

  private async readNew(): Promise<void> {
    if (this.handle === undefined) {
      try {
        // Like the final read of the results: never through a link the guest may have left.
        this.handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return; // Not written yet.
      }
      if (!(await this.handle.stat()).isFile()) {
        await this.handle.close();
        this.handle = undefined;
        return;
      }
    }
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.onData(Buffer.from(buffer.subarray(0, bytesRead)));
    }
  }
}
