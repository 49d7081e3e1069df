import type { ObjectKind } from '../model/index.js';

/** An apiVersion a kind of the model was once served in, and since when it is not. */
export interface RetiredApiVersion {
  readonly apiVersion: string;
  /** The Kubernetes release whose API servers stopped serving it. */
  readonly removedIn: string;
}

/** How the converter recognises a kind of the model. */
export interface KnownKind {
  /** The model kind, equal to the raw `kind`. */
  readonly kind: ObjectKind;
  /** The one apiVersion converted. */
  readonly apiVersion: string;
  /** True when objects of the kind live in a namespace. */
  readonly namespaced: boolean;
  /**
   * Versions of the same resource that Kubernetes no longer serves. Like every other
   * apiVersion of Kubernetes' own groups that is not `apiVersion`, they are errors, and these
   * say why: their schemas differ (v1beta1 EndpointSlices kept topology in a map), and a
   * current API server refuses them.
   */
  readonly retiredApiVersions: readonly RetiredApiVersion[];
}

/** The kinds the model holds, by `kind`. */
export const KNOWN_KINDS: ReadonlyMap<string, KnownKind> = new Map<string, KnownKind>(
  (
    [
      { kind: 'Node', apiVersion: 'v1', namespaced: false, retiredApiVersions: [] },
      { kind: 'Namespace', apiVersion: 'v1', namespaced: false, retiredApiVersions: [] },
      { kind: 'Pod', apiVersion: 'v1', namespaced: true, retiredApiVersions: [] },
      { kind: 'Service', apiVersion: 'v1', namespaced: true, retiredApiVersions: [] },
      {
        kind: 'EndpointSlice',
        apiVersion: 'discovery.k8s.io/v1',
        namespaced: true,
        retiredApiVersions: [
          { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: '1.25' },
          { apiVersion: 'discovery.k8s.io/v1alpha1', removedIn: '1.21' },
        ],
      },
      {
        kind: 'NetworkPolicy',
        apiVersion: 'networking.k8s.io/v1',
        namespaced: true,
        retiredApiVersions: [{ apiVersion: 'extensions/v1beta1', removedIn: '1.16' }],
      },
    ] satisfies KnownKind[]
  ).map((known) => [known.kind, known]),
);

/** The kind of the model whose name equals `kind` but for letter case (`networkpolicy`), if any. */
export function knownKindIgnoringCase(kind: string): KnownKind | undefined {
  const lower = kind.toLowerCase();
  return [...KNOWN_KINDS.values()].find((known) => known.kind.toLowerCase() === lower);
}

// API groups without a domain suffix that Kubernetes itself serves.
const UNSUFFIXED_KUBERNETES_GROUPS: ReadonlySet<string> = new Set(['', 'apps', 'autoscaling', 'batch', 'extensions', 'policy']);

/**
 * True for an API group that belongs to Kubernetes itself: the core group (`v1`), the few
 * unsuffixed groups (`apps`, `extensions`, ...), and every `*.k8s.io` and `*.kubernetes.io`
 * group, which Kubernetes reserves for its own APIs. A kind of the model under such a group
 * but at another version than the one converted is a mistake to report, not a different
 * resource: `networking.k8s.io/v2` or `v1` for a NetworkPolicy.
 */
export function isKubernetesGroup(group: string): boolean {
  return (
    UNSUFFIXED_KUBERNETES_GROUPS.has(group) ||
    group === 'k8s.io' ||
    group.endsWith('.k8s.io') ||
    group === 'kubernetes.io' ||
    group.endsWith('.kubernetes.io')
  );
}

/** The group of an apiVersion: `""` for `v1`, `networking.k8s.io` for `networking.k8s.io/v1`. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The namespace Kubernetes (and kubectl, for manifests) uses when an object names none. */
export const DEFAULT_NAMESPACE = 'default';
