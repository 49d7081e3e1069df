/**
 * Keys of the store's secondary indexes. An index is a `SortedTable` whose keys are
 * `indexValue + SEPARATOR + objectKey`, so "every pod on node n" is the prefix range
 * `n + SEPARATOR` and comes out sorted by pod key, with no per-value sets to copy.
 *
 * The separator is NUL, and no part can hold one: conversion (`src/core/convert`, see its
 * `name-rules.ts`) refuses, as the API server does, every object whose name, namespace,
 * `spec.nodeName`, label key or label value, or EndpointSlice `kubernetes.io/service-name`
 * label breaks Kubernetes' syntax rules, and none of those rules admits a NUL or any other
 * control character. So a prefix never matches a longer value (`web` does not match `web-2`),
 * and no value can forge another's entries (`node-1\u0000evil` never lands under `node-1`).
 * `test/store/forged-keys.test.ts` holds the attacks this rests on.
 *
 * @module
 */

/** Separates the parts of an index key. */
export const SEPARATOR = '\u0000';

/** Index key of a pod under its node. */
export function nodeIndexKey(nodeName: string, podKey: string): string {
  return `${nodeName}${SEPARATOR}${podKey}`;
}

/** Prefix of every pod key under `nodeName` in the node index. */
export function nodeIndexPrefix(nodeName: string): string {
  return `${nodeName}${SEPARATOR}`;
}

/** Index key of an object under one of its labels. */
export function labelIndexKey(labelKey: string, labelValue: string, objectKey: string): string {
  return `${labelKey}${SEPARATOR}${labelValue}${SEPARATOR}${objectKey}`;
}

/** Prefix of every object carrying `labelKey=labelValue` in a label index. */
export function labelIndexPrefix(labelKey: string, labelValue: string): string {
  return `${labelKey}${SEPARATOR}${labelValue}${SEPARATOR}`;
}

/** Index key of an EndpointSlice under its service (`namespace/serviceName`). */
export function serviceIndexKey(serviceKey: string, sliceKey: string): string {
  return `${serviceKey}${SEPARATOR}${sliceKey}`;
}

/** Prefix of every slice of `serviceKey` in the service index. */
export function serviceIndexPrefix(serviceKey: string): string {
  return `${serviceKey}${SEPARATOR}`;
}

/** Prefix of every namespaced object of `namespace` in a table keyed by `namespace/name`. */
export function namespacePrefix(namespace: string): string {
  return `${namespace}/`;
}

/** Key of an object across kinds, for problems and origins: `Kind NUL key`. */
export function objectRef(kind: string, key: string): string {
  return `${kind}${SEPARATOR}${key}`;
}
