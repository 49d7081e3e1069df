import type { LabelRequirement, LabelSelector, SelectorOperator } from '../model/index.js';
import type { FieldPath } from './field-path.js';
import { labelValueError, qualifiedNameError } from './name-rules.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, isAbsent, isRecord, setEntry } from './raw-values.js';

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Parses a `metav1.LabelSelector` strictly. Any flaw is an error and the result is undefined:
 * the caller must then drop whatever the selector belongs to. Dropping only the flawed term
 * would not do: selector terms are ANDed, so every term removed makes the selector match more
 * objects, and a NetworkPolicy peer or target that silently widens grants (or isolates)
 * traffic nobody asked for.
 *
 * Rejected, as the API server rejects them: a selector that is not an object; a key (of
 * `matchLabels` or of an expression) that is not a qualified name; a value that is not a
 * string or not a valid label value; an unknown operator; `In`/`NotIn` with no values;
 * `Exists`/`DoesNotExist` with values. Such keys and values could never match a label that
 * Kubernetes admits, and a NUL or newline in them must never reach a rule or an index.
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
        if (labelValue === undefined) continue;
        const reason =
          typeof labelValue === 'string'
            ? (qualifiedNameError(key) ?? labelValueError(labelValue))
            : `label value must be a string, got ${describe(labelValue)}`;
        if (reason === undefined) setEntry(matchLabels, key, labelValue as string);
        else problems.error(path.child('matchLabels').child(key), reason);
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
  const keyReason = qualifiedNameError(key);
  if (keyReason !== undefined) {
    problems.error(path.child('key'), keyReason);
    return undefined;
  }
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
    problems.error(path.child('operator'), `unknown operator ${shownValue(operator)} (expected one of ${OPERATORS.join(', ')})`);
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
  for (const [index, entry] of list.entries()) {
    const reason = labelValueError(entry);
    if (reason !== undefined) {
      problems.error(path.child('values').child(index), reason);
      return undefined;
    }
  }
  return { key, operator: op, values: [...list] };
}
