import type { Concern, SyncPayloadSize } from '../plan/sync-report.js';

/** How a sync ended. */
export type SyncOutcome = 'ok' | 'error';

/** Whether a sync planned every fragment (`full`) or only the dirty ones (`incremental`). */
export type SyncMode = 'full' | 'incremental';

/** What one sync of one concern did: one call of {@link SyncMetricsSink.record}. */
export interface SyncSample {
  readonly concern: Concern;
  /** The backend's name, e.g. `iptables`. */
  readonly backend: string;
  readonly outcome: SyncOutcome;
  /** `full` after start, after a planner failure and on a periodic resync; `incremental` otherwise. */
  readonly mode: SyncMode;
  /** True when the backend was asked to read the kernel back and repair drift. */
  readonly resync: boolean;
  /** When the reconcile started (clock milliseconds). */
  readonly startedAtMs: number;
  /** When the sync ended (clock milliseconds). */
  readonly finishedAtMs: number;
  /** Planning and programming together, in seconds (the span kube-proxy's sync duration covers). */
  readonly durationSeconds: number;
  /** Fragments the backend wrote (0 when the sync failed). */
  readonly fragmentsChanged: number;
  /** Fragments the backend removed (0 when the sync failed). */
  readonly fragmentsRemoved: number;
  /** Object changes (coalesced per object) this reconcile took from the dirty set and covered. */
  readonly objectChanges: number;
  /** What the backend sent to the kernel, as its report says; undefined when it failed or does not count. */
  readonly payload?: SyncPayloadSize | undefined;
  /**
   * Event-to-sync latency in seconds: from the moment the oldest object change this sync
   * covered was marked dirty to the end of the sync. Undefined when the sync failed (the
   * changes stay pending and count on) or covered no change (a periodic resync, a retry of
   * nothing new).
   */
  readonly latencySeconds?: number | undefined;
}

/**
 * Where controllers report their syncs. The library keeps them in memory
 * ({@link InMemorySyncMetrics}); an exporter (prom-client, OpenTelemetry) implements this to
 * publish them under {@link SYNC_METRIC_NAMES}. `record` must not throw: a controller drops
 * what it throws so that metrics never stop a loop.
 */
export interface SyncMetricsSink {
  /** Records one sync. */
  record(sample: SyncSample): void;
}

/**
 * The Prometheus names an exporter should publish the samples under, with the labels
 * `concern`, `backend` and, where said, `mode` and `outcome`. They follow kube-proxy's names
 * for the same things, under kube-router's prefix and for every concern (kube-proxy's names
 * speak of proxy rules only).
 */
export const SYNC_METRIC_NAMES = Object.freeze({
  /** Histogram of {@link SyncSample.durationSeconds} by `mode` (kube-proxy: `sync_proxy_rules_duration_seconds`). */
  syncDuration: 'kube_router_sync_duration_seconds',
  /** Counter of syncs by `mode` and `outcome`. */
  syncs: 'kube_router_syncs_total',
  /** Counter of fragments written. */
  fragmentsChanged: 'kube_router_sync_fragments_changed_total',
  /** Counter of fragments removed. */
  fragmentsRemoved: 'kube_router_sync_fragments_removed_total',
  /** Histogram of {@link SyncSample.latencySeconds} (kube-proxy: `network_programming_duration_seconds`). */
  programmingLatency: 'kube_router_network_programming_duration_seconds',
  /** Gauge: end of the last successful sync, Unix seconds (kube-proxy: `sync_proxy_rules_last_timestamp_seconds`). */
  lastSyncTimestamp: 'kube_router_sync_last_timestamp_seconds',
});

/** What {@link InMemorySyncMetrics} keeps for one concern: counters and last values. */
export interface ConcernSyncMetrics {
  /** Syncs by outcome. */
  readonly syncsTotal: Readonly<Record<SyncOutcome, number>>;
  /** Syncs by mode. */
  readonly syncsByModeTotal: Readonly<Record<SyncMode, number>>;
  /** Sum of every sync's duration, in seconds. */
  readonly durationSecondsSum: number;
  /** How many durations the sum holds (every sync, failed ones included). */
  readonly durationSecondsCount: number;
  readonly lastDurationSeconds?: number | undefined;
  readonly fragmentsChangedTotal: number;
  readonly fragmentsRemovedTotal: number;
  /** Sum of the event-to-sync latencies of the syncs that had one, in seconds. */
  readonly latencySecondsSum: number;
  readonly latencySecondsCount: number;
  readonly lastLatencySeconds?: number | undefined;
  /** End of the last successful sync, in clock seconds (Unix seconds with the system clock). */
  readonly lastSyncTimestampSeconds?: number | undefined;
  readonly lastOutcome?: SyncOutcome | undefined;
  /** The last sample recorded. */
  readonly lastSample?: SyncSample | undefined;
}

function emptyConcernMetrics(): ConcernSyncMetrics {
  return {
    syncsTotal: { ok: 0, error: 0 },
    syncsByModeTotal: { full: 0, incremental: 0 },
    durationSecondsSum: 0,
    durationSecondsCount: 0,
    fragmentsChangedTotal: 0,
    fragmentsRemovedTotal: 0,
    latencySecondsSum: 0,
    latencySecondsCount: 0,
  };
}

/**
 * The default {@link SyncMetricsSink}: counters, sums and last values per concern, in memory,
 * for status output and tests; a Prometheus exporter reads the same samples as they come.
 */
export class InMemorySyncMetrics implements SyncMetricsSink {
  readonly #byConcern = new Map<Concern, ConcernSyncMetrics>();

  /** Adds `sample` to its concern's counters. */
  record(sample: SyncSample): void {
    const known = this.of(sample.concern);
    const ok = sample.outcome === 'ok';
    this.#byConcern.set(
      sample.concern,
      Object.freeze({
        syncsTotal: Object.freeze({ ...known.syncsTotal, [sample.outcome]: known.syncsTotal[sample.outcome] + 1 }),
        syncsByModeTotal: Object.freeze({ ...known.syncsByModeTotal, [sample.mode]: known.syncsByModeTotal[sample.mode] + 1 }),
        durationSecondsSum: known.durationSecondsSum + sample.durationSeconds,
        durationSecondsCount: known.durationSecondsCount + 1,
        lastDurationSeconds: sample.durationSeconds,
        fragmentsChangedTotal: known.fragmentsChangedTotal + sample.fragmentsChanged,
        fragmentsRemovedTotal: known.fragmentsRemovedTotal + sample.fragmentsRemoved,
        latencySecondsSum: known.latencySecondsSum + (sample.latencySeconds ?? 0),
        latencySecondsCount: known.latencySecondsCount + (sample.latencySeconds === undefined ? 0 : 1),
        lastLatencySeconds: sample.latencySeconds ?? known.lastLatencySeconds,
        lastSyncTimestampSeconds: ok ? sample.finishedAtMs / 1000 : known.lastSyncTimestampSeconds,
        lastOutcome: sample.outcome,
        lastSample: sample,
      }),
    );
  }

  /** The counters of `concern` (all zero before its first sync). */
  of(concern: Concern): ConcernSyncMetrics {
    return this.#byConcern.get(concern) ?? emptyConcernMetrics();
  }

  /** The concerns that recorded at least one sync. */
  concerns(): Concern[] {
    return [...this.#byConcern.keys()].sort();
  }
}
