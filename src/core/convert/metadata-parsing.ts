import { namespacedKey, type ClusterMeta, type NamespacedMeta, type StringMap } from '../model/index.js';
import { FieldPath } from './field-path.js';
import { DEFAULT_NAMESPACE } from './known-kinds.js';
import { dnsLabelError, dnsSubdomainError, labelValueError, qualifiedNameError } from './name-rules.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord, optionalString, quote, setEntry } from './raw-values.js';

const METADATA = FieldPath.of('metadata');
/** Kubernetes' limit on the keys and values of all annotations of an object, in bytes. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** How strictly one kind's metadata is read. */
export interface MetadataRules {
  /**
   * The rule for `metadata.name`, as Kubernetes applies it to the kind. Default: DNS-1123
   * subdomain (pods, nodes, EndpointSlices, NetworkPolicies).
   */
  readonly name?: ((text: string) => string | undefined) | undefined;
  /**
   * What an invalid label or annotation costs. `object` (the default): the object is dropped,
   * as the API server refuses it; keeping it without the label would change which selectors
   * match it. `entry`: only the bad entry is dropped (error) and the object kept, for a kind
   * whose own labels select nothing and whose absence would widen traffic (NetworkPolicy).
   */
  readonly invalidEntries?: 'object' | 'entry' | undefined;
}

/**
 * Metadata of a namespaced object. Dropped (error, undefined) when `metadata` is not an
 * object, `metadata.name` is missing or breaks the kind's name rule, `metadata.namespace` is not
 * a DNS-1123 label, or (unless `invalidEntries` is `entry`) a label or annotation is invalid
 * (see {@link parseLabels} and {@link parseAnnotations}). A missing namespace becomes
 * `"default"` without a problem, as kubectl does for manifests.
 */
export function parseNamespacedMeta(raw: unknown, problems: ProblemCollector, rules: MetadataRules = {}): NamespacedMeta | undefined {
  const rawNamespace = field(field(raw, 'metadata'), 'namespace');
  let namespace = DEFAULT_NAMESPACE;
  let namespaceValid = true;
  if (!isAbsent(rawNamespace) && rawNamespace !== '') {
    const reason = typeof rawNamespace === 'string' ? dnsLabelError(rawNamespace) : `${describe(rawNamespace)} is not a DNS-1123 label`;
    if (reason !== undefined) {
      problems.error(METADATA.child('namespace'), `invalid namespace: ${reason}; the object is dropped`);
      namespaceValid = false;
    } else {
      namespace = rawNamespace as string;
    }
  }
  const common = parseCommonMeta(raw, problems, rules);
  if (!common || !namespaceValid) return undefined;
  // Field by field, in the order of `{ ...common, namespace, key }`: a spread is a slow copy.
  return {
    name: common.name,
    uid: common.uid,
    resourceVersion: common.resourceVersion,
    labels: common.labels,
    annotations: common.annotations,
    namespace,
    key: namespacedKey(namespace, common.name),
  };
}

/**
 * Metadata of a cluster-scoped object (Node, Namespace): as {@link parseNamespacedMeta}, and a
 * `metadata.namespace` is ignored, as the API server ignores it for these kinds.
 */
export function parseClusterMeta(raw: unknown, problems: ProblemCollector, rules: MetadataRules = {}): ClusterMeta | undefined {
  const common = parseCommonMeta(raw, problems, rules);
  if (!common) return undefined;
  return { ...common, key: common.name };
}

interface CommonMeta {
  readonly name: string;
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}

function parseCommonMeta(raw: unknown, problems: ProblemCollector, rules: MetadataRules): CommonMeta | undefined {
  const metadata = field(raw, 'metadata');
  if (!isRecord(metadata)) {
    problems.error(METADATA, isAbsent(metadata) ? 'metadata is missing' : `metadata must be an object, got ${describe(metadata)}`);
    return undefined;
  }
  const name = metadata['name'];
  if (isAbsent(name) || name === '') {
    problems.error(METADATA.child('name'), 'metadata.name is missing');
    return undefined;
  }
  const nameRule = rules.name ?? dnsSubdomainError;
  const nameReason = typeof name === 'string' ? nameRule(name) : `${describe(name)} is not a name`;
  if (nameReason !== undefined) {
    problems.error(METADATA.child('name'), `invalid name: ${nameReason}; the object is dropped`);
    return undefined;
  }
  const mark = problems.errorCount;
  const entries = rules.invalidEntries ?? 'object';
  const labels = parseLabels(metadata['labels'], entries, problems);
  const annotations = parseAnnotations(metadata['annotations'], entries, problems);
  if (entries === 'object' && problems.errorsSince(mark)) return undefined;
  return {
    name: name as string,
    uid: optionalString(metadata['uid'], METADATA.child('uid'), problems),
    resourceVersion: optionalString(metadata['resourceVersion'], METADATA.child('resourceVersion'), problems),
    labels,
    annotations,
  };
}

/**
 * `metadata.labels`, checked as the API server checks them: a map of strings whose keys are
 * qualified names and whose values are label values (at most 63 characters of letters,
 * digits, `-`, `_` and `.`, or empty). A value that is not a string (an unquoted `3` or
 * `true` in YAML) is invalid too: the API server cannot decode it.
 */
function parseLabels(value: unknown, entries: 'object' | 'entry', problems: ProblemCollector): StringMap {
  return parseStringMap(value, LABELS, entries, problems, labelError);
}

const LABELS = METADATA.child('labels');
const ANNOTATIONS = METADATA.child('annotations');

function labelError(key: string, text: string): string | undefined {
  return qualifiedNameError(key) ?? labelValueError(text);
}

function annotationKeyError(key: string): string | undefined {
  return qualifiedNameError(key.toLowerCase());
}

/**
 * `metadata.annotations`: a map of strings whose keys are qualified names (compared in lower
 * case, as Kubernetes does), with at most 256 KiB of keys and values in all. Values are free
 * text; they are data, never code.
 */
function parseAnnotations(value: unknown, entries: 'object' | 'entry', problems: ProblemCollector): StringMap {
  const path = ANNOTATIONS;
  const annotations = parseStringMap(value, path, entries, problems, annotationKeyError);
  let size = 0;
  // `for...in` with an own-property test: no array of keys.
  for (const key in annotations) {
    if (Object.hasOwn(annotations, key)) size += Buffer.byteLength(key) + Buffer.byteLength(annotations[key]!);
  }
  if (size <= ANNOTATIONS_MAX_BYTES) return annotations;
  const consequence = entries === 'object' ? 'the object is dropped' : 'every annotation is dropped';
  problems.error(path, `annotations take ${size} bytes, more than Kubernetes' limit of ${ANNOTATIONS_MAX_BYTES}; ${consequence}`);
  return {};
}

function parseStringMap(
  value: unknown,
  path: FieldPath,
  entries: 'object' | 'entry',
  problems: ProblemCollector,
  check: (key: string, text: string) => string | undefined,
): StringMap {
  const consequence = entries === 'object' ? 'the object is dropped, as Kubernetes refuses it' : 'the entry is dropped and the object kept';
  if (isAbsent(value)) return {};
  if (!isRecord(value)) {
    const whole = entries === 'object' ? consequence : 'ignored and the object kept';
    problems.error(path, `expected a map of strings, got ${describe(value)}; ${whole}`);
    return {};
  }
  const result: Record<string, string> = {};
  // `for...in` with an own-property test lists what `Object.keys` would, without the array.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const given = value[key];
    if (given === undefined) continue;
    // A key without a value in YAML is null, which the API server stores as "".
    if (given === null) problems.warning(path.child(key), `the value of ${quote(key)} is null; read as "", as Kubernetes reads it`);
    const entry: unknown = given ?? '';
    const reason = typeof entry === 'string' ? check(key, entry) : `the value of ${quote(key)} must be a string, got ${describe(entry)}`;
    if (reason === undefined) setEntry(result, key, entry as string);
    else problems.error(path.child(key), `${reason}; ${consequence}`);
  }
  return result;
}
