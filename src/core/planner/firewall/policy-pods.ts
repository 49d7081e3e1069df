import type { Pod } from '../../model/index.js';

/**
 * True when NetworkPolicy applies to the pod, as a target or as a peer: it has an IP, is not
 * hostNetwork, and has not finished.
 *
 * - hostNetwork pods share their node's addresses: treating their IPs as pod IPs would
 *   isolate, or open a hole for, the node itself and every host process on it. Kubernetes
 *   leaves policy for hostNetwork pods undefined and kube-router skips them; so do we.
 * - Succeeded and Failed pods keep `status.podIPs`, but the address may already belong to a
 *   new pod; kube-router skips finished pods for the same reason.
 */
export function isPolicyPod(pod: Pod): boolean {
  return !pod.hostNetwork && pod.podIPs.length > 0 && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}
