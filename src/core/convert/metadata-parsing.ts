import { namespacedKey, type ClusterMeta, type NamespacedMeta, type StringMap } from '../model/index.js';
import { FieldPath } from './field-path.js';
import { DEFAULT_NAMESPACE } from './known-kinds.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord, optionalString, setEntry } from './raw-values.js';

const METADATA = FieldPath.of('metadata');

// DNS-1123 subdomain (most object names) and label (namespaces), as Kubernetes validates them.
// Names become store keys (`namespace/name`) and appear in rule comments, so a name that
// Kubernetes could never have accepted is refused rather than carried along.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a DNS-1123 subdomain (at most 253 characters): the rule for most object names. */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && DNS_SUBDOMAIN.test(text);
}

/** True for a DNS-1123 label (at most 63 characters): the rule for namespace names. */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

/**
 * Labels or annotations. Absent → `{}`. Not an object → a warning and `{}`. A key whose value
 * is not a string → a warning and that key dropped (the rest kept), as the brief of the model
 * asks: a label is data, and a typed value is what a YAML author meant to quote.
 */
export function parseStringMap(value: unknown, path: FieldPath, problems: ProblemCollector): StringMap {
  if (isAbsent(value)) return {};
  if (!isRecord(value)) {
    problems.warning(path, `expected a map of strings, got ${describe(value)}; ignored`);
    return {};
  }
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') setEntry(result, key, entry);
    else problems.warning(path.child(key), `value must be a string, got ${describe(entry)}; key dropped`);
  }
  return result;
}

/**
 * Metadata of a namespaced object. `metadata.name` missing or not a DNS-1123 subdomain →
 * error and undefined (the whole object is dropped: nothing can key it). A missing namespace
 * becomes `"default"` without a problem (as kubectl does for manifests); an invalid one is an
 * error and drops the object.
 */
export function parseNamespacedMeta(raw: unknown, problems: ProblemCollector): NamespacedMeta | undefined {
  const common = parseCommonMeta(raw, problems);
  const rawNamespace = field(field(raw, 'metadata'), 'namespace');
  let namespace = DEFAULT_NAMESPACE;
  if (!isAbsent(rawNamespace) && rawNamespace !== '') {
    if (typeof rawNamespace !== 'string' || !isDnsLabel(rawNamespace)) {
      problems.error(METADATA.child('namespace'), `invalid namespace: ${describe(rawNamespace)} is not a DNS-1123 label`);
      return undefined;
    }
    namespace = rawNamespace;
  }
  if (!common) return undefined;
  return { ...common, namespace, key: namespacedKey(namespace, common.name) };
}

/**
 * Metadata of a cluster-scoped object (Node, Namespace): as {@link parseNamespacedMeta}, and a
 * `metadata.namespace` is ignored, as the API server ignores it for these kinds. A Namespace's
 * own name must also be a DNS-1123 label; the caller checks that.
 */
export function parseClusterMeta(raw: unknown, problems: ProblemCollector): ClusterMeta | undefined {
  const common = parseCommonMeta(raw, problems);
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

function parseCommonMeta(raw: unknown, problems: ProblemCollector): CommonMeta | undefined {
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
  if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    problems.error(METADATA.child('name'), `invalid name: ${describe(name)} is not a DNS-1123 subdomain`);
    return undefined;
  }
  const uid = optionalString(metadata['uid'], METADATA.child('uid'), problems);
  const resourceVersion = optionalString(metadata['resourceVersion'], METADATA.child('resourceVersion'), problems);
  return {
    name,
    uid,
    resourceVersion,
    labels: parseStringMap(metadata['labels'], METADATA.child('labels'), problems),
    annotations: parseStringMap(metadata['annotations'], METADATA.child('annotations'), problems),
  };
}
