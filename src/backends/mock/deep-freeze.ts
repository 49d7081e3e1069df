/**
 * A deep copy of plain data, frozen at every level, so that neither the caller (mutating the
 * plan it passed to `sync`) nor a reader (mutating what `describe` returned) can change what
 * a mock backend says it programmed.
 */
export function deepFrozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
