import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProgrammedState, SyncOptions } from '../../../core/backend/backend.js';
import type { RouteBackend } from '../../../core/backend/concern-backends.js';
import { BackendError } from '../../../core/errors.js';
import type { RoutePlan } from '../../../core/plan/route-plan.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { KernelOperations, NetlinkRouteBackendOptions } from '../netlink-route-backend.js';
import { deserializeError, type HostConfig, type HostReply, type HostRequest } from './host-protocol.js';
import { planDelta } from './plan-delta.js';

/** Options of {@link NamespacedRouteBackend.start}. */
export interface NamespacedRouteBackendOptions {
  /** Options of the `NetlinkRouteBackend` inside. */
  readonly backend?: NetlinkRouteBackendOptions | undefined;
  /** How long the host may take to start; default 20 s. */
  readonly startTimeoutMs?: number | undefined;
  /** How long one request may take; default 120 s. */
  readonly requestTimeoutMs?: number | undefined;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The `tsx` loader this process runs under (its package's main entry, an ES module). */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Most of the host's standard error kept for error messages. */
const MAX_STDERR = 16 * 1024;

/**
 * A `NetlinkRouteBackend` running inside a named network namespace: the way to program a lab
 * node (or any namespace) from a process that lives elsewhere. A netlink socket talks to the
 * namespace it was opened in, and a Node process cannot switch namespaces, so the backend runs
 * in a host process started with `ip netns exec NS node ...` (no shell; the namespace name is
 * one argument) and this class speaks to it over its standard input and output.
 *
 * Plans cross as deltas of the plan sent before (see `plan-delta.ts`), so the backend inside
 * still syncs incrementally. Errors come back as the `BackendError` the backend threw.
 */
export class NamespacedRouteBackend implements RouteBackend {
  /** Always `netlink`. */
  readonly name = 'netlink';
  /** Always `route`. */
  readonly concern = 'route' as const;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: HostReply) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private sent: RoutePlan | undefined;
  private programmed: RoutePlan | undefined;
  private operations: KernelOperations = { netlinkReads: 0, netlinkWrites: 0, nftTransactions: 0, total: 0 };
  private stderr = '';
  private exited = false;

  private constructor(
    /** The network namespace programmed. */
    readonly netns: string,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Starts the host inside `netns` and waits until its netlink socket is open there.
   * @throws BackendError when `ip netns exec` or the host fails to start
   */
  static async start(netns: string, options: NamespacedRouteBackendOptions = {}): Promise<NamespacedRouteBackend> {
    const here = import.meta.url;
    const typescript = here.endsWith('.ts');
    const host = fileURLToPath(new URL(`./namespaced-backend-host.${typescript ? 'ts' : 'js'}`, here));
    // Run from source (tests, benchmarks) the host needs the same TypeScript loader.
    const loader = typescript ? ['--import', tsxLoader()] : [];
    const config: HostConfig = options.backend === undefined ? {} : { backend: options.backend };
    const args = ['netns', 'exec', netns, process.execPath, ...loader, host, JSON.stringify(config)];
    const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const backend = new NamespacedRouteBackend(netns, child, options.requestTimeoutMs ?? 120_000);
    await backend.waitReady(args, options.startTimeoutMs ?? 20_000);
    return backend;
  }

  /** Kernel operations of the last sync or cleanup inside the namespace. */
  get lastSyncOperations(): KernelOperations {
    return this.operations;
  }

  /** Syncs `plan` inside the namespace; see `NetlinkRouteBackend.sync`. */
  async sync(plan: RoutePlan, options: SyncOptions = {}): Promise<SyncReport> {
    return this.serial(async () => {
      const delta = planDelta(plan, this.sent);
      const reply = await this.request({ method: 'sync', delta, resync: options.resync === true });
      // The host rebuilt `plan` from the delta whether or not the sync then succeeded.
      this.sent = plan;
      if (reply.error !== undefined) throw deserializeError(reply.error);
      this.programmed = plan;
      return reply.report as SyncReport;
    });
  }

  /** Cleans up inside the namespace; see `NetlinkRouteBackend.cleanup`. */
  async cleanup(): Promise<void> {
    await this.serial(async () => {
      const reply = await this.request({ method: 'cleanup' });
      if (reply.error !== undefined) throw deserializeError(reply.error);
      this.programmed = undefined;
    });
  }

  /** The programmed plan (as last synced from here) and the backend's summary lines. */
  async describe(): Promise<ProgrammedState<RoutePlan>> {
    return this.serial(async () => {
      const reply = await this.request({ method: 'describe' });
      if (reply.error !== undefined) throw deserializeError(reply.error);
      return { backend: this.name, concern: this.concern, plan: reply.programmed ? this.programmed : undefined, summary: reply.summary ?? [] };
    });
  }

  /** Ends the host (closing its input) and waits for it to exit; kills it after 5 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private request(body: DistributiveOmit<HostRequest, 'id'>): Promise<HostReply> {
    if (this.exited) return Promise.reject(this.hostGone());
    const id = this.nextId++;
    return new Promise<HostReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BackendError('netlink', [body.method], undefined, this.stderr, `timeout after ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.operations = reply.operations;
        resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  private waitReady(args: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
      let ready = false;
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new BackendError('ip', args, undefined, this.stderr, `host not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.stderr.on('data', (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString('utf8')).slice(-MAX_STDERR);
      });
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new BackendError('ip', args, undefined, '', error.code ?? error.message));
      });
      this.child.once('exit', (code) => {
        this.exited = true;
        clearTimeout(timer);
        if (!ready) reject(new BackendError('ip', args, code ?? undefined, this.stderr));
        for (const [id, settle] of this.pending) {
          this.pending.delete(id);
          settle({ id, operations: this.operations, error: { name: 'BackendError', message: 'host exited', command: 'netlink', args: ['host'], stderr: this.stderr, reason: `host exited (${code})` } });
        }
      });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as Partial<HostReply> & { ready?: boolean };
        if (message.ready === true) {
          ready = true;
          clearTimeout(timer);
          resolve();
          return;
        }
        if (message.id !== undefined) this.pending.get(message.id)?.(message as HostReply);
        if (message.id !== undefined) this.pending.delete(message.id);
      });
    });
  }

  private hostGone(): BackendError {
    return new BackendError('netlink', ['host'], undefined, this.stderr, `the host in ${this.netns} has exited`);
  }
}
