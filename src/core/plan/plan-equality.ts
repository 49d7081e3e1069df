import { isDeepStrictEqual } from 'node:util';
import { SortedView } from '../store/sorted-table.js';

/**
 * True when two plans of one concern program the same thing: every fragment map shares all
 * of its structure (an empty `FragmentMap.diff`) and every other field is deep-equal. Cheap for
 * plans an incremental planner made from one another, so a controller can skip a sync that
 * would change nothing (an event that touched nothing the planner reads).
 */
export function samePlan(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    const x = left[key];
    const y = right[key];
    if (x === y) continue;
    if (x instanceof SortedView && y instanceof SortedView) {
      const diff = y.diff(x);
      if (diff.changed.length > 0 || diff.removed.length > 0) return false;
      continue;
    }
    if (!isDeepStrictEqual(x, y)) return false;
  }
  return true;
}
