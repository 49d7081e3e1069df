import { isKubernetesGroup } from '../convert/index.js';

/**
 * The kind an object is keyed under, in the store and in the sources that key objects: the
 * `kind` itself for Kubernetes' own groups (and for an absent or malformed `apiVersion`, which
 * conversion reports), and `Kind.group` for any other group. So a Knative
 * `serving.knative.dev/v1` Service named `default/web` has a slot of its own
 * (`Service.serving.knative.dev`) and never replaces, shadows or deletes the core Service of
 * that name; as `kubectl` tells `services` from `services.serving.knative.dev`.
 */
export function objectKindKey(raw: unknown, kind: string): string {
  if (typeof raw !== 'object' || raw === null) return kind;
  const apiVersion = (raw as { apiVersion?: unknown }).apiVersion;
  if (typeof apiVersion !== 'string') return kind;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  if (group === '' || isKubernetesGroup(group)) return kind;
  return `${kind}.${group}`;
}
