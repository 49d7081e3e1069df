import type { Namespace } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { NAMESPACE_FIELDS } from './known-fields.js';
import { parseClusterMeta } from './metadata-parsing.js';
import { dnsLabelError } from './name-rules.js';
import { reportUnknownFields } from './unknown-fields.js';

/**
 * Converts a v1 Namespace. Only its metadata matters (labels feed NetworkPolicy namespace
 * selectors). Dropped (error) when the name is missing or not a DNS-1123 label, the rule
 * Kubernetes applies to namespace names, or when a label or annotation is invalid (a key that
 * is not a qualified name, a value that is not a label value or not a string, annotations
 * over 256 KiB): the API server refuses such a namespace, and keeping it without the label
 * would change which namespace selectors match it. Dropping a namespace never opens a pod:
 * policies select pods, and a namespace left out only matches fewer peer selectors.
 * Unknown fields are warnings.
 */
export function convertNamespace(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('Namespace', raw, origin);
  reportUnknownFields(raw, NAMESPACE_FIELDS, problems);
  const meta = parseClusterMeta(raw, problems, { name: dnsLabelError });
  if (!meta) return dropped(problems);
  const namespace: Namespace = { kind: 'Namespace', ...meta };
  return converted(namespace, problems);
}
