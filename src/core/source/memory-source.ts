import { objectIdentity } from '../convert/index.js';
import { deliverInBatch } from '../store/batching-sink.js';
import { objectKindKey } from '../store/object-kind-key.js';
import type { RawObject, Source, SourceSink } from './source.js';

interface HeldObject {
  readonly object: RawObject;
  readonly origin?: string | undefined;
}

/**
 * A source that holds raw objects in memory: for tests, examples and embedders that compute
 * their cluster themselves.
 *
 * Before {@link MemorySource.start}, `add`, `update` and `delete` only change what the source
 * holds; `start` delivers everything held (as one batch when the sink can batch) and then
 * `synced()`. After `start`, each call is also forwarded to the sink at once, as an informer
 * event would be. After {@link MemorySource.stop}, nothing is forwarded any more.
 *
 * Objects are held by kind, namespace and name, so `update` of an object replaces it and
 * `delete` needs only those three fields. Objects without a readable identity are held (and
 * delivered, so the store can report them) but cannot be updated or deleted.
 */
export class MemorySource implements Source {
  /** Always `memory`. */
  readonly name = 'memory';
  private readonly held = new Map<string, HeldObject>();
  private anonymousCount = 0;
  private sink: SourceSink | undefined;

  /** @param objects the initial objects, delivered in this order by `start` */
  constructor(objects: readonly RawObject[] = []) {
    for (const object of objects) this.hold(object, undefined);
  }

  /** Delivers every held object, then `synced()`; forwards later changes until `stop`. */
  async start(sink: SourceSink): Promise<void> {
    deliverInBatch(sink, () => {
      for (const { object, origin } of this.held.values()) sink.upsert(object, origin);
    });
    sink.synced();
    this.sink = sink;
  }

  /** Stops forwarding changes; what the source holds is kept. */
  async stop(): Promise<void> {
    this.sink = undefined;
  }

  /** Adds an object (or replaces the one with the same kind, namespace and name). */
  add(object: RawObject, origin?: string): void {
    this.hold(object, origin);
    this.sink?.upsert(object, origin);
  }

  /** Replaces an object; the same as {@link MemorySource.add}, named for readability. */
  update(object: RawObject, origin?: string): void {
    this.add(object, origin);
  }

  /** Deletes the object with the kind, namespace and name of `object`. */
  delete(object: RawObject): void {
    const key = identityKey(object);
    if (key !== undefined) this.held.delete(key);
    this.sink?.remove(object);
  }

  /** The objects held now, in the order they were first added. */
  objects(): RawObject[] {
    return [...this.held.values()].map((held) => held.object);
  }

  private hold(object: RawObject, origin: string | undefined): void {
    const key = identityKey(object) ?? `\u0000anonymous-${this.anonymousCount++}`;
    this.held.set(key, { object, origin });
  }
}

function identityKey(object: RawObject): string | undefined {
  const identity = objectIdentity(object);
  if (identity === undefined || identity.name === undefined) return undefined;
  return JSON.stringify([objectKindKey(object, identity.kind), identity.namespace ?? '', identity.name]);
}
