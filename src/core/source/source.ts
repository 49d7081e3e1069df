import type { Problem } from '../model/index.js';

/**
 * A Kubernetes object as a source delivers it: a client-node object (V1Pod, ...) or a plain
 * JSON/YAML object of the same shape. The store validates it; sources do not.
 */
export type RawObject = unknown;

/**
 * Where a source puts what it reads, in client-go informer terms: objects arrive through
 * `upsert` and `remove` (the initial list first), then `synced` says the initial list is
 * complete. A periodic resync may call `upsert` again with unchanged objects; that is
 * harmless because the store ignores objects equal to what it holds.
 */
export interface SourceSink {
  /** An object was added or updated. `origin` says where it came from (e.g. `file.yaml:3`). */
  upsert(object: RawObject, origin?: string): void;
  /** An object was deleted; only kind, namespace and name are read. */
  remove(object: RawObject): void;
  /** A source-level problem, such as a file that is not valid YAML. */
  problem(problem: Problem): void;
  /**
   * Withdraws every source-level problem named `name` (a `File` problem's name is the file's
   * path): a watching source calls it when it reads a file again, before the file's new
   * problems, so a fixed file's problems go away. Optional: sinks without it keep them.
   */
  withdrawProblems?(name: string): void;
  /** The initial list is complete: controllers may program from the cache now. */
  synced(): void;
}

/**
 * A producer of Kubernetes objects: the API server (informers), manifest files, or memory.
 * `start` resolves once the source is running (it may keep delivering events afterwards);
 * `stop` ends delivery.
 */
export interface Source {
  /** A short name for logs, e.g. `manifests` or `kubernetes`. */
  readonly name: string;
  /** Starts delivering into `sink`: the initial list, `synced()`, then changes (if the source watches). */
  start(sink: SourceSink): Promise<void>;
  /** Stops delivering; the sink keeps what it has. */
  stop(): Promise<void>;
}
