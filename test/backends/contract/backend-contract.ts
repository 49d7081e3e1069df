import assert from 'node:assert/strict';
import type { Backend } from '../../../src/core/backend/backend.js';
import type { Concern, SyncReport } from '../../../src/core/plan/sync-report.js';

/** Builds a fresh backend for one test; may be async (a kernel backend in a lab namespace). */
export type BackendFactory<B> = () => B | Promise<B>;

/**
 * Registers hooks giving every test of the enclosing `describe` a fresh backend, cleaned up
 * afterwards (so a kernel backend leaves nothing behind), and returns its getter.
 */
export function useFreshBackend<B extends { cleanup(): Promise<void> }>(make: BackendFactory<B>): () => B {
  let current: B | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    assert.ok(current, 'the backend exists only inside a test');
    return current;
  };
}

/** A plan as plain data (fragment maps as arrays), for comparing plans built apart. */
export function plain(plan: unknown): unknown {
  return plan === undefined ? undefined : JSON.parse(JSON.stringify(plan));
}

/** The counts of a report a contract checks; duration and names are checked apart. */
export interface ExpectedCounts {
  readonly full: boolean;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
}

/** Asserts a report's full flag and counts. */
export function assertCounts(report: SyncReport, expected: ExpectedCounts): void {
  const { full, changed, removed, unchanged } = report;
  assert.deepEqual({ full, changed, removed, unchanged }, expected);
}

/** A concern's fixture: a fresh plan per call and how many fragments it has. */
export interface ContractFixture<Plan> {
  readonly plan: () => Plan;
  readonly fragments: number;
}

/**
 * The part of the contract every concern shares: the sync / describe / cleanup life cycle.
 * Call inside a `describe` that set up `backend` with `useFreshBackend`.
 */
export function backendLifecycleContract<Plan>(
  backend: () => Backend<Plan>,
  concern: Concern,
  fixture: ContractFixture<Plan>,
): void {
  it('describes nothing programmed before the first sync', async () => {
    const state = await backend().describe();
    assert.equal(state.concern, concern);
    assert.equal(state.backend, backend().name);
    assert.equal(state.plan, undefined);
  });

  it('reports a first sync as full, with every fragment changed', async () => {
    const report = await backend().sync(fixture.plan());
    assertCounts(report, { full: true, changed: fixture.fragments, removed: 0, unchanged: 0 });
    assert.equal(report.concern, concern);
    assert.equal(report.backend, backend().name);
    assert.ok(report.durationSeconds >= 0);
    assert.deepEqual(plain((await backend().describe()).plan), plain(fixture.plan()));
  });

  it('is idempotent: syncing an identical plan again changes nothing', async () => {
    await backend().sync(fixture.plan());
    const report = await backend().sync(fixture.plan());
    assertCounts(report, { full: false, changed: 0, removed: 0, unchanged: fixture.fragments });
    assert.deepEqual(plain((await backend().describe()).plan), plain(fixture.plan()));
  });

  it('treats a resync as a full sync with the same programmed result', async () => {
    await backend().sync(fixture.plan());
    const report = await backend().sync(fixture.plan(), { resync: true });
    assertCounts(report, { full: true, changed: fixture.fragments, removed: 0, unchanged: 0 });
    assert.deepEqual(plain((await backend().describe()).plan), plain(fixture.plan()));
  });

  it('empties describe() on cleanup', async () => {
    await backend().sync(fixture.plan());
    await backend().cleanup();
    assert.equal((await backend().describe()).plan, undefined);
  });

  it('accepts cleanup with nothing programmed, and twice in a row', async () => {
    await backend().cleanup();
    await backend().cleanup();
    assert.equal((await backend().describe()).plan, undefined);
  });

  it('makes the first sync after cleanup full again', async () => {
    await backend().sync(fixture.plan());
    await backend().cleanup();
    const report = await backend().sync(fixture.plan());
    assertCounts(report, { full: true, changed: fixture.fragments, removed: 0, unchanged: 0 });
  });
}
