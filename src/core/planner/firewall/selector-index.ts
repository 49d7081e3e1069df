import type { StringMap } from '../../model/index.js';
import type { SelectorSetDefinition } from './set-definitions.js';

/**
 * A reverse index of the live selector sets: for a pod's labels, the sets that might hold it.
 * A set whose podSelector has an equality term (`matchLabels`, or `In` with one value) can
 * only hold pods carrying that label, so it is filed under that one `key=value`; only sets
 * without such a term (empty selectors, pure set-based expressions) are tried for every pod.
 * So a pod event visits the few sets its labels name, not every policy of the cluster.
 */
export class SelectorIndex {
  private readonly byLabel = new Map<string, Set<string>>();
  private readonly unindexed = new Set<string>();
  private readonly placement = new Map<string, string | undefined>();

  /** Files a set. */
  add(definition: SelectorSetDefinition): void {
    const term = indexTerm(definition);
    this.placement.set(definition.id, term);
    if (term === undefined) {
      this.unindexed.add(definition.id);
      return;
    }
    let ids = this.byLabel.get(term);
    if (ids === undefined) this.byLabel.set(term, (ids = new Set()));
    ids.add(definition.id);
  }

  /** Unfiles a set. */
  remove(id: string): void {
    if (!this.placement.has(id)) return;
    const term = this.placement.get(id);
    this.placement.delete(id);
    if (term === undefined) {
      this.unindexed.delete(id);
      return;
    }
    const ids = this.byLabel.get(term);
    ids?.delete(id);
    if (ids?.size === 0) this.byLabel.delete(term);
  }

  /** Ids of the sets that may hold a pod with any of these label maps. */
  candidates(...labelMaps: readonly (StringMap | undefined)[]): Set<string> {
    const found = new Set(this.unindexed);
    for (const labels of labelMaps) {
      if (labels === undefined) continue;
      for (const [key, value] of Object.entries(labels)) {
        for (const id of this.byLabel.get(labelTerm(key, value)) ?? []) found.add(id);
      }
    }
    return found;
  }
}

function labelTerm(key: string, value: string): string {
  // JSON keeps the pair unambiguous whatever characters a key or value holds.
  return JSON.stringify([key, value]);
}

function indexTerm(definition: SelectorSetDefinition): string | undefined {
  const selector = definition.podSelector;
  const keys = Object.keys(selector.matchLabels).sort();
  const first = keys[0];
  if (first !== undefined) return labelTerm(first, selector.matchLabels[first] as string);
  for (const requirement of selector.matchExpressions) {
    if (requirement.operator === 'In' && requirement.values.length === 1) {
      return labelTerm(requirement.key, requirement.values[0] as string);
    }
  }
  return undefined;
}
