import type { LabelRequirement, LabelSelector, SelectorOperator } from '../model/index.js';
import type { FieldPath } from './field-path.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, isAbsent, isRecord, setEntry } from './raw-values.js';

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Parses a `metav1.LabelSelector` strictly. Any flaw is an error and the result is undefined:
 * the caller must then drop whatever the selector belongs to. Dropping only the flawed term
 * would not do: selector terms are ANDed, so every term removed makes the selector match more
 * objects, and a NetworkPolicy peer or target that silently widens grants (or isolates)
 * traffic nobody asked for.
 *
 * Rejected: a selector that is not an object; `matchLabels` values that are not strings;
 * `matchExpressions` entries without a string `key`; an unknown operator; `In`/`NotIn` with
 * no values; `Exists`/`DoesNotExist` with values; values that are not strings.
 * An empty selector `{}` is valid and selects everything.
 */
export function parseLabelSelector(value: unknown, path: FieldPath, problems: ProblemCollector): LabelSelector | undefined {
  if (!isRecord(value)) {
    problems.error(path, `label selector must be an object, got ${describe(value)}`);
    return undefined;
  }
  const mark = problems.errorCount;
  const matchLabels: Record<string, string> = {};
  const labelsValue = value['matchLabels'];
  if (!isAbsent(labelsValue)) {
    if (!isRecord(labelsValue)) {
      problems.error(path.child('matchLabels'), `expected a map of strings, got ${describe(labelsValue)}`);
    } else {
      for (const [key, labelValue] of Object.entries(labelsValue)) {
        if (typeof labelValue === 'string') setEntry(matchLabels, key, labelValue);
        else problems.error(path.child('matchLabels').child(key), `label value must be a string, got ${describe(labelValue)}`);
      }
    }
  }
  const matchExpressions: LabelRequirement[] = [];
  const expressionsValue = value['matchExpressions'];
  if (!isAbsent(expressionsValue)) {
    if (!Array.isArray(expressionsValue)) {
      problems.error(path.child('matchExpressions'), `expected a list, got ${describe(expressionsValue)}`);
    } else {
      expressionsValue.forEach((expression: unknown, index) => {
        const requirement = parseRequirement(expression, path.child('matchExpressions').child(index), problems);
        if (requirement) matchExpressions.push(requirement);
      });
    }
  }
  if (problems.errorsSince(mark)) return undefined;
  return { matchLabels, matchExpressions };
}

function parseRequirement(value: unknown, path: FieldPath, problems: ProblemCollector): LabelRequirement | undefined {
  if (!isRecord(value)) {
    problems.error(path, `match expression must be an object, got ${describe(value)}`);
    return undefined;
  }
  const { key, operator, values } = value;
  if (typeof key !== 'string' || key === '') {
    problems.error(path.child('key'), `key must be a non-empty string, got ${describe(key)}`);
    return undefined;
  }
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
    problems.error(path.child('operator'), `unknown operator ${describe(operator)} (expected one of ${OPERATORS.join(', ')})`);
    return undefined;
  }
  const op = operator as SelectorOperator;
  const list = isAbsent(values) ? [] : values;
  if (!Array.isArray(list) || !list.every((entry): entry is string => typeof entry === 'string')) {
    problems.error(path.child('values'), `values must be a list of strings, got ${describe(values)}`);
    return undefined;
  }
  const needsValues = op === 'In' || op === 'NotIn';
  if (needsValues && list.length === 0) {
    problems.error(path.child('values'), `operator ${op} needs at least one value`);
    return undefined;
  }
  if (!needsValues && list.length > 0) {
    problems.error(path.child('values'), `operator ${op} must not have values`);
    return undefined;
  }
  return { key, operator: op, values: [...list] };
}
