import type { ObjectKind } from '../model/index.js';
import { collectorFor, dropped, type ConversionResult } from './conversion-result.js';
import { convertEndpointSlice } from './convert-endpoint-slice.js';
import { convertNamespace } from './convert-namespace.js';
import { convertNetworkPolicy } from './convert-network-policy.js';
import { convertNode } from './convert-node.js';
import { convertPod } from './convert-pod.js';
import { convertService } from './convert-service.js';
import { DEFAULT_NAMESPACE, KNOWN_KINDS, apiGroupOf, isKubernetesGroup, knownKindIgnoringCase, type KnownKind } from './known-kinds.js';
import { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord, quote } from './raw-values.js';

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

/** `group/version` or `version`: a DNS subdomain, then a DNS-1035 label. */
const API_VERSION = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Converts any raw Kubernetes object (a parsed JSON/YAML document or a client-node instance)
 * into the model. Never throws.
 *
 * - Not an object, or no string `kind` → one error with kind `"?"`; nothing converted.
 * - A `List` (or `PodList`, ...) with `items` → an error: sources expand lists first.
 * - A kind the model holds, with apiVersion absent or the supported one (`v1`,
 *   `discovery.k8s.io/v1`, `networking.k8s.io/v1`) → the per-kind converter.
 * - A kind the model holds, with any other apiVersion of a group Kubernetes owns (the core
 *   group, `extensions`, `*.k8s.io`, ...) → an error, never a silent skip: a deny-all policy
 *   written as `networking.k8s.io/v2` or `v1` that disappeared would open its pods. That
 *   includes the retired versions (`discovery.k8s.io/v1beta1`, served until Kubernetes 1.24,
 *   `extensions/v1beta1` NetworkPolicy, until 1.15): their schemas differ and current API
 *   servers refuse them. A malformed apiVersion (`networking.k8s.io/`, not a string) too.
 * - A kind the model holds, spelled in another letter case (`networkpolicy`), under no group
 *   or a Kubernetes one → an error: kinds are case-sensitive, and the API server refuses it.
 * - The same kind name in a group Kubernetes does not own (a Knative
 *   `serving.knative.dev/v1` Service, a Calico `crd.projectcalico.org/v1` NetworkPolicy) →
 *   `ignored: true`: a different resource that happens to share the name, enforced (if at all)
 *   by its own controller.
 * - Any other kind (Deployment, ConfigMap, legacy `v1 Endpoints`, ...) → `ignored: true`, no
 *   problems.
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
  const apiVersion = raw['apiVersion'];
  const exact = KNOWN_KINDS.get(kind);
  const known = exact ?? knownKindIgnoringCase(kind);
  if (!known) return { problems: [], ignored: true };
  if (exact && (isAbsent(apiVersion) || apiVersion === '' || apiVersion === exact.apiVersion)) {
    return CONVERTERS[exact.kind](raw, origin);
  }
  const wellFormed = isAbsent(apiVersion) || apiVersion === '' || (typeof apiVersion === 'string' && API_VERSION.test(apiVersion));
  const ours = !wellFormed || typeof apiVersion !== 'string' || isKubernetesGroup(apiGroupOf(apiVersion));
  if (!ours) return { problems: [], ignored: true };
  const problems = exact ? collectorFor(exact.kind, raw, origin) : misspeltKindCollector(kind, known, raw, origin);
  if (!exact) {
    problems.error('kind', `unknown kind ${quote(kind)}: kinds are case-sensitive, and Kubernetes refuses it (did you mean ${known.kind}?); the object is dropped`);
  } else if (!wellFormed) {
    problems.error('apiVersion', `malformed apiVersion ${describe(apiVersion)} for ${kind} (expected ${known.apiVersion}); the object is dropped`);
  } else {
    problems.error('apiVersion', `${unsupportedVersion(apiVersion as string, known)}; the object is dropped`);
  }
  return dropped(problems);
}

function unsupportedVersion(apiVersion: string, known: KnownKind): string {
  const retired = known.retiredApiVersions.find((entry) => entry.apiVersion === apiVersion);
  const why = retired
    ? `, which Kubernetes stopped serving in ${retired.removedIn}`
    : apiGroupOf(apiVersion) === apiGroupOf(known.apiVersion)
      ? ', a version Kubernetes does not serve'
      : `, a group where Kubernetes serves no ${known.kind}`;
  return `unsupported apiVersion ${quote(apiVersion)} for ${known.kind}${why} (expected ${known.apiVersion})`;
}

/** Problems about an object whose kind is a model kind in the wrong case: named as given. */
function misspeltKindCollector(kind: string, known: KnownKind, raw: unknown, origin: string | undefined): ProblemCollector {
  const name = field(field(raw, 'metadata'), 'name');
  const namespace = field(field(raw, 'metadata'), 'namespace');
  return new ProblemCollector(
    {
      kind,
      name: typeof name === 'string' && name !== '' ? name : undefined,
      namespace: known.namespaced ? (typeof namespace === 'string' && namespace !== '' ? namespace : DEFAULT_NAMESPACE) : undefined,
    },
    origin,
  );
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
