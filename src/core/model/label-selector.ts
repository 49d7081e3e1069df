import type { StringMap } from './common.js';

/** The operators of a set-based label requirement. */
export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One `matchExpressions` entry. `values` is empty for Exists and DoesNotExist. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/**
 * A Kubernetes label selector. An empty selector (no labels, no expressions) selects
 * everything, as it does in NetworkPolicy `podSelector: {}`.
 */
export interface LabelSelector {
  readonly matchLabels: StringMap;
  readonly matchExpressions: readonly LabelRequirement[];
}

/** The selector that selects every object. */
export const SELECT_ALL: LabelSelector = Object.freeze({
  matchLabels: Object.freeze({}),
  matchExpressions: Object.freeze([]),
});

/** True when the selector has no terms, so it selects every object. */
export function selectsEverything(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

/** True when `labels` satisfy every term of `selector` (terms are ANDed, as in Kubernetes). */
export function matchesSelector(selector: LabelSelector, labels: StringMap): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions) {
    if (!matchesRequirement(requirement, labels)) return false;
  }
  return true;
}

function matchesRequirement(requirement: LabelRequirement, labels: StringMap): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return has && requirement.values.includes(value as string);
    case 'NotIn':
      // Kubernetes: NotIn matches objects that lack the key as well.
      return !has || !requirement.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}
