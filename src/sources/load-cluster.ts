import type { Problem } from '../core/model/index.js';
import { ClusterStore } from '../core/store/cluster-store.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import { ManifestSource } from './manifest-source.js';

/** What {@link loadCluster} returns. */
export interface LoadedCluster {
  /** The store, synced, for callers that go on to change it. */
  readonly store: ClusterStore;
  /** The snapshot after loading. */
  readonly snapshot: ClusterSnapshot;
  /** `snapshot.problems()`: bad files, bad objects, duplicates and dangling references. */
  readonly problems: readonly Problem[];
}

/**
 * Loads manifest files and directories into a new {@link ClusterStore}: what the CLI and
 * the lab use to read a cluster from disk.
 *
 * @param paths files or directories (see {@link ManifestSource})
 * @throws ConfigError when a path does not exist
 */
export async function loadCluster(paths: readonly string[]): Promise<LoadedCluster> {
  const store = new ClusterStore();
  const source = new ManifestSource(paths);
  await source.start(store);
  await store.whenSynced();
  await source.stop();
  const snapshot = store.snapshot();
  return { store, snapshot, problems: snapshot.problems() };
}
