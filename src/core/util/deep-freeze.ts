/**
 * Freezes `value` and everything reachable from it, so an object shared by every snapshot
 * that holds it cannot be changed through any of them. Already-frozen parts are skipped.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
