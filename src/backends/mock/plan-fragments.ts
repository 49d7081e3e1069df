import { isDeepStrictEqual } from 'node:util';
import { fragmentChanges, type FragmentMap } from '../../core/plan/fragment-map.js';

/**
 * How a mock sees one plan: its fragment maps by name (`servicePorts`, `policies`, ...), its
 * single fragments (the masquerade, the BGP speaker; absent when undefined), and its plan-wide
 * part.
 */
export interface PlanParts {
  readonly maps: Readonly<Record<string, FragmentMap<unknown>>>;
  readonly singles: Readonly<Record<string, unknown>>;
  readonly planWide: unknown;
}

/** How one sync's fragments compare with the previously programmed ones. */
export interface FragmentDiff {
  /** Fragments added or modified. */
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
}

/** How one sync's fragments compare with the previously programmed ones, with the changed keys per map. */
export interface PlanPartsDiff extends FragmentDiff {
  /** Keys of each map whose fragment is a new object (changed, or rebuilt with equal content). */
  readonly replacedKeys: Readonly<Record<string, readonly string[]>>;
}

/**
 * Counts what a sync changes, in time proportional to the change: fragment maps are compared
 * with `fragmentChanges` (shared structure first, then value), single fragments by identity
 * and then by value. With no previous plan every fragment counts as changed.
 */
export function diffPlanParts(previous: PlanParts | undefined, next: PlanParts): PlanPartsDiff {
  let changed = 0;
  let removed = 0;
  let total = 0;
  const replacedKeys: Record<string, readonly string[]> = {};
  for (const [name, map] of Object.entries(next.maps)) {
    const diff = fragmentChanges(previous?.maps[name], map);
    replacedKeys[name] = diff.replaced;
    changed += diff.changed.length;
    removed += diff.removed.length;
    total += map.size;
  }
  for (const [name, map] of Object.entries(previous?.maps ?? {})) {
    if (!(name in next.maps)) removed += map.size;
  }
  for (const [name, value] of Object.entries(next.singles)) {
    total++;
    const before = previous?.singles[name];
    if (before === undefined || (before !== value && !isDeepStrictEqual(before, value))) changed++;
  }
  for (const name of Object.keys(previous?.singles ?? {})) {
    if (!(name in next.singles)) removed++;
  }
  return { changed, removed, unchanged: total - changed, replacedKeys };
}

/** The number of fragments of a plan. */
export function fragmentCount(parts: PlanParts): number {
  let total = Object.keys(parts.singles).length;
  for (const map of Object.values(parts.maps)) total += map.size;
  return total;
}
