import { deepFreeze } from '../../core/util/deep-freeze.js';

/**
 * A deep copy of plain data, frozen at every level, so that neither the caller (mutating the
 * plan it passed to `sync`) nor a reader (mutating what `describe` returned) can change what
 * a mock backend says it programmed.
 */
export function deepFrozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}
