import type { Namespace } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { isDnsLabel, parseClusterMeta } from './metadata-parsing.js';

/**
 * Converts a v1 Namespace. Only its metadata matters (labels feed NetworkPolicy namespace
 * selectors). Dropped (error) when the name is missing or not a DNS-1123 label, the rule
 * Kubernetes applies to namespace names; bad labels are dropped key by key (warning).
 */
export function convertNamespace(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('Namespace', raw, origin);
  const meta = parseClusterMeta(raw, problems);
  if (!meta) return dropped(problems);
  if (!isDnsLabel(meta.name)) {
    problems.error(FieldPath.of('metadata', 'name'), `invalid namespace name "${meta.name}" (must be a DNS-1123 label)`);
    return dropped(problems);
  }
  const namespace: Namespace = { kind: 'Namespace', ...meta };
  return converted(namespace, problems);
}
