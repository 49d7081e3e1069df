import { ConcernController } from '../../src/core/controller/concern-controller.js';
import type { ConcernControllerOptions } from '../../src/core/controller/controller-types.js';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { InMemorySyncMetrics } from '../../src/core/controller/sync-metrics.js';
import type { Concern } from '../../src/core/plan/sync-report.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { FakeBackend, FakePlanner, rawNamespace, type FakePlan } from './fakes.js';

/** One controller over a real store, with a manual clock, fakes and in-memory metrics. */
export interface Harness {
  readonly clock: ManualClock;
  readonly store: ClusterStore;
  readonly planner: FakePlanner;
  readonly backend: FakeBackend<Concern>;
  readonly metrics: InMemorySyncMetrics;
  readonly controller: ConcernController<FakePlan>;
}

/** A controller with 1 s minimum interval, resync every 5 min, backoff 1 s doubling to 60 s unless overridden. */
export function harness(options: ConcernControllerOptions = {}, concern: Concern = 'route', shared?: { clock: ManualClock; store: ClusterStore }): Harness {
  const clock = shared?.clock ?? new ManualClock();
  const store = shared?.store ?? new ClusterStore();
  const planner = new FakePlanner(clock);
  const backend = new FakeBackend<Concern>(concern, clock);
  const metrics = new InMemorySyncMetrics();
  const controller = new ConcernController(concern, planner, backend, { clock, metrics, ...options });
  return { clock, store, planner, backend, metrics, controller };
}

/** Starts the controller, marks the store synced and runs the first (full) sync at the current time. */
export async function startedAndSynced(h: Harness): Promise<void> {
  h.controller.start(h.store);
  h.store.synced();
  await h.clock.runDue();
  await h.controller.whenIdle();
}

/** Upserts `count` namespaces, each its own change set (no batch), named `prefix-0`... */
export function upsertNamespaces(store: ClusterStore, count: number, prefix = 'ns'): void {
  for (let index = 0; index < count; index++) store.upsert(rawNamespace(`${prefix}-${index}`));
}
