import { isDeepStrictEqual } from 'node:util';
import { convertObject, objectIdentity } from '../convert/index.js';
import { namespacedKey, type ModelObject, type ObjectKind, type Problem } from '../model/index.js';
import type { RawObject, SourceSink } from '../source/source.js';
import type { BatchingSink } from './batching-sink.js';
import type { ChangeListener, ChangeSet } from './change.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { objectRef } from './index-keys.js';
import { objectKindKey } from './object-kind-key.js';
import { PendingChanges } from './pending-changes.js';
import type { ClusterSnapshot } from './snapshot.js';
import { StoreSnapshot } from './store-snapshot.js';
import { StoreTables, type ObjectOrigin } from './store-tables.js';

/** Turns raw Kubernetes objects into model objects; {@link ClusterStore} uses `src/core/convert`. */
export interface ObjectConverter {
  /** Converts one raw object; `ignored` is set for kinds outside the model. */
  convertObject(
    raw: unknown,
    origin?: string,
  ): { object?: ModelObject | undefined; problems: readonly Problem[]; ignored?: boolean | undefined };
  /** Reads who a raw object claims to be, without validating it. */
  objectIdentity(raw: unknown): { kind: string; namespace?: string | undefined; name?: string | undefined } | undefined;
}

/** Options of a {@link ClusterStore}. */
export interface ClusterStoreOptions {
  /** The converter; the library's own by default. Tests may pass a fake. */
  readonly converter?: ObjectConverter;
  /**
   * Called with an error a change listener threw. By default the error is thrown again
   * once every listener has been called, so one failing listener never starves the others.
   */
  readonly onListenerError?: (error: unknown) => void;
}

interface SinkState {
  readonly name: string;
  synced: boolean;
  /** The origin record shared by every object this sink delivers without an origin. */
  readonly withoutOrigin: ObjectOrigin;
}

/** The store key of an object: `namespace/name`, or the name of a cluster-scoped object. */
function identityKey(namespace: string | undefined, name: string): string {
  return namespace !== undefined ? namespacedKey(namespace, name) : name;
}

/** A warning the store itself raises about a whole object (not one of its fields). */
function objectWarning(
  identity: { kind: string; namespace?: string | undefined; name?: string | undefined },
  origin: string | undefined,
  message: string,
): Problem {
  return {
    kind: identity.kind,
    ...(identity.namespace !== undefined ? { namespace: identity.namespace } : {}),
    name: identity.name,
    field: '',
    message,
    severity: 'warning',
    ...(origin !== undefined ? { origin } : {}),
  };
}

function sinkState(name: string): SinkState {
  return { name, synced: false, withoutOrigin: Object.freeze({ sink: name }) };
}

const MODEL_KINDS: ReadonlySet<string> = new Set<ObjectKind>([
  'Node',
  'Namespace',
  'Pod',
  'Service',
  'EndpointSlice',
  'NetworkPolicy',
]);

const DEFAULT_CONVERTER: ObjectConverter = { convertObject, objectIdentity };

/**
 * The cluster state a node agent works from: raw objects in (it is a {@link SourceSink}, so
 * sources feed it directly), typed, validated, indexed snapshots and change sets out.
 *
 * **Conversion and problems.** Every upsert goes through the converter. Its problems are kept
 * per object: an update replaces them, a delete or a fixed version removes them. An update
 * that no longer converts is rejected: the last valid version stays (so nothing already
 * programmed is lost, as with an API server that refuses an invalid update) and a warning says
 * so; a bad object never reaches a planner. Source-level problems (a bad file) are kept apart.
 *
 * **Equal upserts.** An upsert whose `resourceVersion` equals the stored one, or whose model
 * object is deep-equal to the stored one, changes nothing and emits nothing, so an informer's
 * periodic resync costs no reconcile. One whose model differs only in `resourceVersion` (the
 * API server bumped it for a field the model does not keep: a status condition, managed
 * fields) replaces the stored version silently: no generation, no change set.
 *
 * **Duplicates.** When two sources, or two places of one source during its initial load,
 * deliver the same kind and key, the later one wins and the object carries a warning naming
 * both origins. After a source is synced, a new origin from it is an ordinary update.
 *
 * **Change sets and generations.** Each applied batch that changed something (objects or the
 * problem list) increments the generation by one and calls the listeners once with the
 * changes coalesced per object. Outside {@link ClusterStore.batch}, every event is its own
 * batch. Listeners run synchronously after the batch, when {@link ClusterStore.snapshot}
 * already shows the new state.
 *
 * **Snapshots without copies.** Objects live in `SortedTable`s (a two-level copy-on-write
 * B+ tree), one per kind plus incrementally maintained indexes (pods by node and by label,
 * slices by service; namespaces are key prefixes). A snapshot is a set of views of those
 * tables: taking one copies nothing, and the first write after it copies only the leaf it
 * touches and the root's leaf array. Sorted lists and lookups are computed lazily and cached
 * per snapshot. See docs/performance.md for the measured figures.
 *
 * **Readiness.** {@link ClusterStore.isSynced} turns true, and stays true, once the initial
 * list is complete: after `synced()` on the store itself when it is used as the only sink, or
 * after every sink made with {@link ClusterStore.sink} has called `synced()`.
 */
export class ClusterStore implements BatchingSink {
  private readonly tables = new StoreTables();
  private readonly converter: ObjectConverter;
  private readonly onListenerError: ((error: unknown) => void) | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly pending = new PendingChanges();
  private readonly directSink: SinkState = sinkState('');
  private readonly namedSinks = new Map<string, SinkState>();
  private batchDepth = 0;
  private currentGeneration = 0;
  private lastSnapshot: StoreSnapshot | undefined;
  private syncedOnce = false;
  private resolveSynced: (() => void) | undefined;
  private readonly syncedPromise: Promise<void>;

  /** @param options see {@link ClusterStoreOptions} */
  constructor(options: ClusterStoreOptions = {}) {
    this.converter = options.converter ?? DEFAULT_CONVERTER;
    this.onListenerError = options.onListenerError;
    this.syncedPromise = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
  }

  /** The generation of the current state (0 for an empty store that never changed). */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Adds or updates an object (see the class comment for equality and duplicates). */
  upsert(object: RawObject, origin?: string): void {
    this.applyUpsert(this.directSink, object, origin);
  }

  /** Deletes the object that `object` names (kind, namespace, name); unknown objects are ignored. */
  remove(object: RawObject): void {
    this.applyRemove(object);
  }

  /** Records a source-level problem (identical ones are kept once). */
  problem(problem: Problem): void {
    this.inBatch(() => {
      if (this.tables.addSourceProblem(problem)) this.pending.markProblemsChanged();
    });
  }

  /** Withdraws the source-level problems named `name` (see {@link SourceSink.withdrawProblems}). */
  withdrawProblems(name: string): void {
    this.inBatch(() => {
      if (this.tables.removeSourceProblemsNamed(name)) this.pending.markProblemsChanged();
    });
  }

  /** The initial list of the (only) source is complete. */
  synced(): void {
    this.directSink.synced = true;
    this.checkSynced();
  }

  /**
   * A sink for one of several sources. The store is synced once every such sink has called
   * `synced()`; make all sinks before starting the sources. Objects from different sinks with
   * the same kind and key are duplicates.
   *
   * @param name a name unique among this store's sinks, e.g. `manifests`
   */
  sink(name: string): BatchingSink {
    if (this.namedSinks.has(name) || name === '') throw new Error(`a sink named "${name}" already exists`);
    const state = sinkState(name);
    this.namedSinks.set(name, state);
    return {
      upsert: (object, origin) => this.applyUpsert(state, object, origin),
      remove: (object) => this.applyRemove(object),
      problem: (problem) => this.problem(problem),
      withdrawProblems: (name) => this.withdrawProblems(name),
      synced: () => {
        state.synced = true;
        this.checkSynced();
      },
      batch: (deliver) => this.batch(deliver),
    };
  }

  /**
   * Runs `fn` and applies everything it sends as one batch: one generation, one change set.
   * Batches nest; the outermost one announces. {@link ClusterStore.snapshot} may not be called
   * inside, since a half-applied batch has no generation of its own.
   */
  batch<T>(fn: () => T): T {
    return this.inBatch(fn);
  }

  /** Calls `listener` after every batch that changed something; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * An immutable snapshot of the current state. Cheap (no copy; see the class comment);
   * calls at the same generation return the same snapshot object.
   */
  snapshot(): ClusterSnapshot {
    if (this.batchDepth > 0) throw new Error('ClusterStore.snapshot() cannot be called inside batch()');
    if (this.lastSnapshot?.generation !== this.currentGeneration) {
      this.lastSnapshot = new StoreSnapshot(this.currentGeneration, this.tables.views());
    }
    return this.lastSnapshot;
  }

  /** True once the initial list is complete (see the class comment). */
  isSynced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves when {@link ClusterStore.isSynced} turns true (at once if it already is). */
  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  private applyUpsert(sink: SinkState, raw: RawObject, origin: string | undefined): void {
    this.inBatch(() => {
      const identity = this.converter.objectIdentity(raw);
      if (identity === undefined || identity.name === undefined) {
        // Nothing to key the problems by: they stay as source-level problems.
        for (const problem of this.converter.convertObject(raw, origin).problems) this.problem(problem);
        return;
      }
      const key = identityKey(identity.namespace, identity.name);
      // A kind of another API group (a Knative Service) is keyed apart from the model's kind.
      const kindKey = objectKindKey(raw, identity.kind);
      const ref = objectRef(kindKey, key);
      const kind = MODEL_KINDS.has(kindKey) ? (kindKey as ObjectKind) : undefined;
      const existing = kind === undefined ? undefined : this.tables.get(kind, key);
      const previousOrigin = this.tables.origins.get(ref);
      const duplicate = this.duplicateProblem(identity, sink, origin, previousOrigin);
      if (duplicate === undefined && existing?.resourceVersion !== undefined) {
        if (existing.resourceVersion === resourceVersionOf(raw)) return;
      }
      const result = this.converter.convertObject(raw, origin);
      if (result.ignored && result.problems.length === 0 && existing === undefined) return;
      const problems = duplicate ? [...result.problems, duplicate] : [...result.problems];
      // An update that no longer converts must not unprogram what already works: the last
      // valid version stays, and a problem says that the update was rejected.
      const keptPrevious = kind !== undefined && result.object === undefined && existing !== undefined;
      if (keptPrevious) problems.push(objectWarning(identity, origin, 'update rejected: the last valid version stays in effect'));
      else if (kind !== undefined) this.storeObject(kind, key, existing, result.object, ref);
      this.setProblems(ref, problems);
      this.recordOrigin(ref, sink, origin, keptPrevious || result.object !== undefined || problems.length > 0, previousOrigin);
    });
  }

  /**
   * Remembers where the object under `ref` came from, for duplicate warnings and problem
   * origins. Writes only on a change, and shares one record per sink for objects without an
   * origin (informer objects) rather than allocating one each.
   */
  private recordOrigin(ref: string, sink: SinkState, origin: string | undefined, present: boolean, known: ObjectOrigin | undefined): void {
    // Nothing to tell about an object given to the store itself without an origin (a single
    // informer-like source): skipping the record saves an entry per object.
    if (!present || (origin === undefined && sink === this.directSink)) {
      if (known !== undefined) this.tables.origins.remove(ref);
      return;
    }
    if (known !== undefined && known.origin === origin && known.sink === sink.name) return;
    this.tables.origins.put(ref, origin === undefined ? sink.withoutOrigin : { origin, sink: sink.name });
  }

  /** Stores or deletes the object of `kind` under `key`, whose {@link objectRef} is `ref`. */
  private storeObject(kind: ObjectKind, key: string, existing: ModelObject | undefined, next: ModelObject | undefined, ref: string): void {
    if (next !== undefined) {
      if (existing !== undefined && isDeepStrictEqual(existing, next)) return;
      if (existing !== undefined && isDeepStrictEqual({ ...existing, resourceVersion: next.resourceVersion }, next)) {
        // Only the version moved (a status write nobody reads, managed fields): keep the new
        // version for the equal-upsert test, but it is no change for anyone downstream.
        this.storeVersion(key, existing, next);
        return;
      }
      this.storeVersion(key, existing, next);
      this.pending.touch(kind, key, existing !== undefined, true, ref);
    } else if (existing !== undefined) {
      this.tables.delete(kind, key);
      this.pending.touch(kind, key, true, false, ref);
    }
  }

  /** Stores `next`, whose kind and identity key `key` held `existing` when the upsert began. */
  private storeVersion(key: string, existing: ModelObject | undefined, next: ModelObject): void {
    const frozen = deepFreeze(next);
    // The converter keys the object as objectIdentity does; should the two ever differ, the
    // table is asked what the object's own key holds.
    if (next.key === key) this.tables.replace(frozen, existing);
    else this.tables.put(frozen);
  }

  private applyRemove(raw: RawObject): void {
    this.inBatch(() => {
      const identity = this.converter.objectIdentity(raw);
      if (identity === undefined || identity.name === undefined) return;
      const key = identityKey(identity.namespace, identity.name);
      const kindKey = objectKindKey(raw, identity.kind);
      const ref = objectRef(kindKey, key);
      if (MODEL_KINDS.has(kindKey)) {
        const kind = kindKey as ObjectKind;
        if (this.tables.delete(kind, key) !== undefined) this.pending.touch(kind, key, true, false);
      }
      this.setProblems(ref, []);
      this.tables.origins.delete(ref);
    });
  }

  private setProblems(ref: string, problems: readonly Problem[]): void {
    const known = this.tables.objectProblems.get(ref);
    if (problems.length === 0) {
      if (known !== undefined) {
        this.tables.objectProblems.delete(ref);
        this.pending.markProblemsChanged();
      }
    } else if (known === undefined || !isDeepStrictEqual(known, problems)) {
      this.tables.objectProblems.set(ref, Object.freeze([...problems]));
      this.pending.markProblemsChanged();
    }
  }

  /**
   * The warning for a second delivery of one object: from another sink, or from another place
   * of the same sink while it is still loading its initial list.
   */
  private duplicateProblem(
    identity: { kind: string; namespace?: string | undefined; name?: string | undefined },
    sink: SinkState,
    origin: string | undefined,
    previous: ObjectOrigin | undefined,
  ): Problem | undefined {
    if (previous === undefined) return undefined;
    const otherSink = previous.sink !== sink.name;
    const otherPlace =
      !sink.synced && previous.origin !== undefined && origin !== undefined && previous.origin !== origin;
    if (!otherSink && !otherPlace) return undefined;
    const earlier = previous.origin ?? (previous.sink || 'unknown origin');
    const later = origin ?? (sink.name || 'unknown origin');
    return objectWarning(identity, origin, `duplicate object, the later one wins (${earlier} vs ${later})`);
  }

  private inBatch<T>(fn: () => T): T {
    this.batchDepth++;
    let result: T;
    try {
      result = fn();
    } finally {
      this.batchDepth--;
    }
    if (this.batchDepth === 0) this.announce();
    return result;
  }

  private announce(): void {
    const { changes, changed } = this.pending.drain();
    if (!changed) return;
    this.currentGeneration++;
    const changeSet: ChangeSet = Object.freeze({ generation: this.currentGeneration, changes: Object.freeze(changes) });
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(changeSet);
      } catch (error) {
        errors.push(error);
      }
    }
    for (const error of errors) {
      if (this.onListenerError) this.onListenerError(error);
    }
    if (!this.onListenerError && errors.length > 0) {
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'change listeners failed');
    }
  }

  private checkSynced(): void {
    if (this.syncedOnce) return;
    const named = [...this.namedSinks.values()];
    const ready = named.length > 0 ? named.every((state) => state.synced) : this.directSink.synced;
    if (!ready) return;
    this.syncedOnce = true;
    this.resolveSynced?.();
  }
}

/** `metadata.resourceVersion` of a raw object, read without validating anything else. */
function resourceVersionOf(raw: RawObject): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const metadata = (raw as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const version = (metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof version === 'string' && version !== '' ? version : undefined;
}
