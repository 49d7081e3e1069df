/** An IP address family, as Kubernetes names it. */
export type IPFamily = 'IPv4' | 'IPv6';

/** A transport protocol that Services, endpoints and NetworkPolicies may name. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** The protocols Kubernetes accepts, in the order it documents them. */
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Labels or annotations: string keys to string values. */
export type StringMap = Readonly<Record<string, string>>;

/**
 * The identity every namespaced model object carries. `key` is `namespace/name`, the form
 * the store indexes by and that problems and logs print.
 */
export interface NamespacedMeta {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`. */
  readonly key: string;
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}

/** The identity of a cluster-scoped model object (Node, Namespace); `key` is the name. */
export interface ClusterMeta {
  readonly name: string;
  /** Same as `name` for cluster-scoped objects. */
  readonly key: string;
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}

/** `namespace/name`, the key of a namespaced object. */
export function namespacedKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
