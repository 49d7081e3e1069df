import type { ObjectKind } from '../model/index.js';
import { collectorFor, dropped, type ConversionResult } from './conversion-result.js';
import { convertEndpointSlice } from './convert-endpoint-slice.js';
import { convertNamespace } from './convert-namespace.js';
import { convertNetworkPolicy } from './convert-network-policy.js';
import { convertNode } from './convert-node.js';
import { convertPod } from './convert-pod.js';
import { convertService } from './convert-service.js';
import { KNOWN_KINDS } from './known-kinds.js';
import { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord } from './raw-values.js';

/** The kind printed in a problem about an object whose kind cannot be read. */
export const UNKNOWN_KIND = '?';

const CONVERTERS: Readonly<Record<ObjectKind, (raw: unknown, origin?: string) => ConversionResult>> = {
  Node: convertNode,
  Namespace: convertNamespace,
  Pod: convertPod,
  Service: convertService,
  EndpointSlice: convertEndpointSlice,
  NetworkPolicy: convertNetworkPolicy,
};

/**
 * Converts any raw Kubernetes object (a parsed JSON/YAML document or a client-node instance)
 * into the model. Never throws.
 *
 * - Not an object, or no string `kind` → one error with kind `"?"`; nothing converted.
 * - A `List` (or `PodList`, ...) with `items` → an error: sources expand lists first.
 * - A kind the model does not hold (Deployment, ConfigMap, legacy `v1 Endpoints`, ...) →
 *   `ignored: true`, no problems.
 * - A kind the model holds, with apiVersion absent or the supported one (`v1`,
 *   `discovery.k8s.io/v1`, `networking.k8s.io/v1`) → the per-kind converter.
 * - Same kind in an older version of the same resource (`discovery.k8s.io/v1beta1`,
 *   `extensions/v1beta1` NetworkPolicy, ...) → an error: its schema differs, and ignoring a
 *   policy the author believes is in force would be worse.
 * - Same kind name in another API group (e.g. a Knative `serving.knative.dev/v1` Service) →
 *   `ignored: true`: a different resource that happens to share the name.
 *
 * `origin` (e.g. `file.yaml:12`) is copied into every problem.
 */
export function convertObject(raw: unknown, origin?: string): ConversionResult {
  if (!isRecord(raw)) {
    return unreadable(`expected a Kubernetes object, got ${describe(raw)}`, raw, origin);
  }
  const kind = raw['kind'];
  if (typeof kind !== 'string' || kind === '') {
    const message = isAbsent(kind) || kind === '' ? 'kind is missing' : `kind must be a string, got ${describe(kind)}`;
    return unreadable(message, raw, origin, 'kind');
  }
  if (kind.endsWith('List') && Array.isArray(raw['items'])) {
    const problems = new ProblemCollector({ kind }, origin);
    problems.error('items', 'a list must be expanded into its items before conversion');
    return dropped(problems);
  }
  const known = KNOWN_KINDS.get(kind);
  if (!known) return { problems: [], ignored: true };
  const apiVersion = raw['apiVersion'];
  if (isAbsent(apiVersion) || apiVersion === '' || apiVersion === known.apiVersion) {
    return CONVERTERS[known.kind](raw, origin);
  }
  if (typeof apiVersion === 'string' && !known.legacyApiVersions.includes(apiVersion)) {
    return { problems: [], ignored: true };
  }
  const problems = collectorFor(known.kind, raw, origin);
  problems.error('apiVersion', `unsupported apiVersion ${describe(apiVersion)} for ${kind} (expected ${known.apiVersion})`);
  return dropped(problems);
}

function unreadable(message: string, raw: unknown, origin: string | undefined, fieldName = ''): ConversionResult {
  const name = field(field(raw, 'metadata'), 'name');
  const namespace = field(field(raw, 'metadata'), 'namespace');
  const problems = new ProblemCollector(
    {
      kind: UNKNOWN_KIND,
      name: typeof name === 'string' && name !== '' ? name : undefined,
      namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    },
    origin,
  );
  problems.error(fieldName, message);
  return dropped(problems);
}
