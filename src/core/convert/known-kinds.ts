import type { ObjectKind } from '../model/index.js';

/** How the converter recognises a kind of the model. */
export interface KnownKind {
  /** The model kind, equal to the raw `kind`. */
  readonly kind: ObjectKind;
  /** The one apiVersion converted. */
  readonly apiVersion: string;
  /** True when objects of the kind live in a namespace. */
  readonly namespaced: boolean;
  /**
   * Other apiVersions that are the same resource in an older schema. They are reported as
   * errors rather than ignored: silently skipping a NetworkPolicy would open traffic.
   */
  readonly legacyApiVersions: readonly string[];
}

/** The kinds the model holds, by `kind`. */
export const KNOWN_KINDS: ReadonlyMap<string, KnownKind> = new Map<string, KnownKind>(
  (
    [
      { kind: 'Node', apiVersion: 'v1', namespaced: false, legacyApiVersions: [] },
      { kind: 'Namespace', apiVersion: 'v1', namespaced: false, legacyApiVersions: [] },
      { kind: 'Pod', apiVersion: 'v1', namespaced: true, legacyApiVersions: [] },
      { kind: 'Service', apiVersion: 'v1', namespaced: true, legacyApiVersions: [] },
      {
        kind: 'EndpointSlice',
        apiVersion: 'discovery.k8s.io/v1',
        namespaced: true,
        legacyApiVersions: ['discovery.k8s.io/v1beta1', 'discovery.k8s.io/v1alpha1'],
      },
      {
        kind: 'NetworkPolicy',
        apiVersion: 'networking.k8s.io/v1',
        namespaced: true,
        legacyApiVersions: ['extensions/v1beta1', 'networking.k8s.io/v1beta1'],
      },
    ] satisfies KnownKind[]
  ).map((known) => [known.kind, known]),
);

/** The namespace Kubernetes (and kubectl, for manifests) uses when an object names none. */
export const DEFAULT_NAMESPACE = 'default';
