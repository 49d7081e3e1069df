/** The concern a backend serves. */
export type Concern = 'proxy' | 'firewall' | 'route';

/**
 * What one `sync` did: enough for a log line and for metrics (counts of fragments written and
 * removed, duration), and for tests to check that a sync was minimal.
 */
export interface SyncReport {
  readonly concern: Concern;
  /** Backend name, e.g. `iptables`, `nftables`, `mock`. */
  readonly backend: string;
  /** True when the whole state was rewritten; false for a partial (changed-only) sync. */
  readonly full: boolean;
  /** Fragments (service ports, policies, routes, ...) created or changed. */
  readonly changed: number;
  /** Fragments removed. */
  readonly removed: number;
  /** Fragments left as they were. */
  readonly unchanged: number;
  readonly durationSeconds: number;
  /**
   * What this sync sent to the kernel, for a log line and for tests that a change touched only
   * its own fragments. Undefined where a backend does not count it.
   */
  readonly payload?: SyncPayloadSize | undefined;
}

/** The size of what one sync sent to the kernel. */
export interface SyncPayloadSize {
  /**
   * Lines of the restore payloads or transactions sent (summed over the kernel calls of the
   * sync, e.g. one `iptables-restore` per family); 0 when nothing was sent.
   */
  readonly lines: number;
  /**
   * Set or map elements added or deleted, where the backend writes elements (nftables);
   * undefined otherwise.
   */
  readonly elements?: number | undefined;
}
