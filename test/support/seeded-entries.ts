/** A small deterministic generator (LCG) of numbers in [0, 1), so failures reproduce. */
export function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** The entries of `map` in key order, as a sorted table lists them. */
export function sortedEntries(map: Map<string, number>): [string, number][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
