import type { TableSkeleton } from './table-skeleton.js';
import type { ObjectChanges, TableObject } from './table-objects.js';

/** Lines of an `nft -f` payload (0 for the empty payload). */
export function payloadLines(payload: string): number {
  if (payload === '') return 0;
  // Counted, not split: a full table is over 100,000 lines, and a string per line is garbage.
  let lines = 1;
  for (let at = payload.indexOf('\n'); at !== -1; at = payload.indexOf('\n', at + 1)) lines++;
  return payload.endsWith('\n') ? lines - 1 : lines;
}

/** Elements a full table write lists: the skeleton's and every service port's. */
export function fullTableElements(skeleton: TableSkeleton, objects: readonly TableObject[]): number {
  const fixed = skeleton.containers.reduce((sum, container) => sum + container.elements.length, 0);
  let elements = fixed;
  for (const object of objects) if (object.kind === 'element') elements++;
  return elements;
}

/** Elements an incremental transaction deletes or adds (a rewritten element is one of each). */
export function changedElements(changes: ObjectChanges): number {
  const count = (objects: readonly TableObject[]): number => objects.filter((object) => object.kind === 'element').length;
  return count(changes.added) + count(changes.removed) + 2 * count(changes.rewritten.map((pair) => pair.after));
}
