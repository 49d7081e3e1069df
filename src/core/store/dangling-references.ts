import type { Pod, Problem } from '../model/index.js';
import { namespacedKey, SERVICE_NAME_LABEL } from '../model/index.js';
import { objectRef } from './index-keys.js';
import type { TableViews } from './store-tables.js';

/**
 * Below one dangling pod per this many origins, each pod's origin is looked up; above, the
 * origins are walked once beside the pods (a lookup is a tree descent of about this many steps).
 */
const LOOKUPS_PER_ENTRY = 16;

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
  // Many pods share a node: whether it exists, and the message, are worked out once per node.
  const missingNodeMessages = new Map<string, string | undefined>();
  const missingNodeMessage = (nodeName: string): string | undefined => {
    if (missingNodeMessages.has(nodeName)) return missingNodeMessages.get(nodeName);
    const message = views.nodes.has(nodeName) ? undefined : `node ${nodeName} does not exist`;
    missingNodeMessages.set(nodeName, message);
    return message;
  };
  const dangling = views.pods.values().filter((pod) => pod.nodeName !== undefined && missingNodeMessage(pod.nodeName) !== undefined);
  const podProblem = (pod: Pod, origin: string | undefined): void => {
    const problem: MutableProblem = {
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      field: 'spec.nodeName',
      message: missingNodeMessage(pod.nodeName!)!,
      severity: 'warning',
    };
    if (origin !== undefined) problem.origin = origin;
    problems.push(problem);
  };
  if (dangling.length * LOOKUPS_PER_ENTRY < views.origins.size) {
    for (const pod of dangling) podProblem(pod, views.origins.get(objectRef('Pod', pod.key))?.origin);
    return problems;
  }
  // Many pods without their node (a pod list loaded without nodes): the origins of pods, the
  // entries `Pod NUL podKey`, come in pod-key order like the pods, so one walk side by side
  // finds each origin without a key built and a tree descent per pod.
  let next = 0;
  const prefix = objectRef('Pod', '');
  views.origins.forEachWithPrefix(prefix, (ref, origin) => {
    if (next >= dangling.length) return;
    const podKey = ref.slice(prefix.length);
    while (next < dangling.length && dangling[next]!.key < podKey) podProblem(dangling[next++]!, undefined);
    if (next < dangling.length && dangling[next]!.key === podKey) podProblem(dangling[next++]!, origin.origin);
  });
  while (next < dangling.length) podProblem(dangling[next++]!, undefined);
  return problems;
}
