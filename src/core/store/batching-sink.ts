import type { SourceSink } from '../source/source.js';

/**
 * A sink that can group many events into one change set, as `ClusterStore` does.
 * Sources that deliver bursts (a manifest directory, an initial list held in memory) use
 * {@link deliverInBatch} so a store receiving them emits one change set instead of thousands.
 * @internal
 */
export interface BatchingSink extends SourceSink {
  /** Runs `deliver`; every event it sends is applied and announced as one change set. */
  batch<T>(deliver: () => T): T;
}

/**
 * True when `sink` can batch (see {@link BatchingSink}).
 *
 * @internal
 */
export function isBatchingSink(sink: SourceSink): sink is BatchingSink {
  return typeof (sink as Partial<BatchingSink>).batch === 'function';
}

/**
 * Runs `deliver` inside `sink.batch` when the sink supports it, and plainly otherwise, so a
 * source works with any {@link SourceSink}.
 * @internal
 */
export function deliverInBatch<T>(sink: SourceSink, deliver: () => T): T {
  return isBatchingSink(sink) ? sink.batch(deliver) : deliver();
}
