import type { Problem } from '../model/index.js';
import { namespacedKey, SERVICE_NAME_LABEL } from '../model/index.js';
import { objectRef } from './index-keys.js';
import type { TableViews } from './store-tables.js';

type MutableProblem = { -readonly [K in keyof Problem]: Problem[K] };

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
  // The origin is added last, by assignment, so each problem is one object with the same keys
  // in the same order as a literal with a spread `origin` would have.
  const withOrigin = (problem: MutableProblem, kind: string, key: string): Problem => {
    const origin = views.origins.get(objectRef(kind, key))?.origin;
    if (origin !== undefined) problem.origin = origin;
    return problem;
  };
  for (const slice of views.endpointSlices.values()) {
    const serviceKey = namespacedKey(slice.namespace, slice.serviceName);
    if (views.services.has(serviceKey)) continue;
    const problem: MutableProblem = {
      kind: 'EndpointSlice',
      namespace: slice.namespace,
      name: slice.name,
      field: `metadata.labels["${SERVICE_NAME_LABEL}"]`,
      message: `service ${serviceKey} does not exist`,
      severity: 'warning',
    };
    problems.push(withOrigin(problem, 'EndpointSlice', slice.key));
  }
  for (const pod of views.pods.values()) {
    if (pod.nodeName === undefined || views.nodes.has(pod.nodeName)) continue;
    const problem: MutableProblem = {
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      field: 'spec.nodeName',
      message: `node ${pod.nodeName} does not exist`,
      severity: 'warning',
    };
    problems.push(withOrigin(problem, 'Pod', pod.key));
  }
  return problems;
}
