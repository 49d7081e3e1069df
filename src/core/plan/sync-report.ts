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
}
