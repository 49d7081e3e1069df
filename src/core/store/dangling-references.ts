import type { Problem } from '../model/index.js';
import { namespacedKey, SERVICE_NAME_LABEL } from '../model/index.js';
import { objectRef } from './index-keys.js';
import type { TableViews } from './store-tables.js';

/**
 * Warnings for references to objects the snapshot does not hold: an EndpointSlice whose
 * service does not exist, a pod scheduled on a node that does not exist. The objects stay in
 * the store (the referenced object may simply not have arrived yet); the warning says why a
 * planner will not use them.
 *
 * Computed from one snapshot's views rather than tracked in the store: the check is a lookup
 * per slice and per scheduled pod, done at most once per snapshot and only when someone asks
 * for the problem list, and it can never go stale as services and nodes come and go.
 */
export function danglingReferenceProblems(views: TableViews): Problem[] {
  const problems: Problem[] = [];
  const originOf = (kind: string, key: string): { origin?: string } => {
    const origin = views.origins.get(objectRef(kind, key))?.origin;
    return origin === undefined ? {} : { origin };
  };
  for (const slice of views.endpointSlices.values()) {
    const serviceKey = namespacedKey(slice.namespace, slice.serviceName);
    if (views.services.has(serviceKey)) continue;
    problems.push({
      kind: 'EndpointSlice',
      namespace: slice.namespace,
      name: slice.name,
      field: `metadata.labels["${SERVICE_NAME_LABEL}"]`,
      message: `service ${serviceKey} does not exist`,
      severity: 'warning',
      ...originOf('EndpointSlice', slice.key),
    });
  }
  for (const pod of views.pods.values()) {
    if (pod.nodeName === undefined || views.nodes.has(pod.nodeName)) continue;
    problems.push({
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      field: 'spec.nodeName',
      message: `node ${pod.nodeName} does not exist`,
      severity: 'warning',
      ...originOf('Pod', pod.key),
    });
  }
  return problems;
}
