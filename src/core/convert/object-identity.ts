import { DEFAULT_NAMESPACE, KNOWN_KINDS } from './known-kinds.js';
import { field, isRecord } from './raw-values.js';

/** Who a raw object claims to be, before any validation. */
export interface ObjectIdentity {
  /** `kind` as given. */
  readonly kind: string;
  /** The namespace, defaulted for namespaced kinds of the model; absent for cluster-scoped ones. */
  readonly namespace?: string | undefined;
  /** `metadata.name`, when it is a non-empty string. */
  readonly name?: string | undefined;
}

/**
 * Reads `kind`, `metadata.namespace` and `metadata.name` from a raw object without
 * validating the rest, so the store can key deletes and spot duplicates even for objects that
 * fail conversion.
 *
 * - undefined when `raw` is not an object or has no string `kind`;
 * - `namespace` is `"default"` for a namespaced kind of the model that names none (as kubectl
 *   does for manifests), and always undefined for Node and Namespace;
 * - for kinds outside the model, namespace and name are passed through as given;
 * - `name` is undefined when missing or not a string.
 */
export function objectIdentity(raw: unknown): ObjectIdentity | undefined {
  if (!isRecord(raw) || typeof raw['kind'] !== 'string' || raw['kind'] === '') return undefined;
  const kind = raw['kind'];
  const metadata = raw['metadata'];
  const rawName = field(metadata, 'name');
  const rawNamespace = field(metadata, 'namespace');
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
  const givenNamespace = typeof rawNamespace === 'string' && rawNamespace !== '' ? rawNamespace : undefined;
  const known = KNOWN_KINDS.get(kind);
  let namespace = givenNamespace;
  if (known) namespace = known.namespaced ? (givenNamespace ?? DEFAULT_NAMESPACE) : undefined;
  // Built by assignment rather than spreads: one object per call, keys in the same order.
  const identity: { kind: string; namespace?: string; name?: string } = { kind };
  if (namespace !== undefined) identity.namespace = namespace;
  if (name !== undefined) identity.name = name;
  return identity;
}
