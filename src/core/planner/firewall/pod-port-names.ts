import type { Pod, Protocol } from '../../model/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { isPolicyPod } from './policy-pods.js';

/** `name/PROTOCOL`: how a named port is looked up. */
export function portNameKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}

/** The named container ports a pod declares, as {@link portNameKey}s. */
export function declaredPortNames(pod: Pod | undefined): Set<string> {
  const names = new Set<string>();
  if (pod === undefined) return names;
  for (const container of pod.containers) {
    for (const port of container.ports) {
      if (port.name !== undefined) names.add(portNameKey(port.name, port.protocol));
    }
  }
  return names;
}

/** The number a named container port has in the pod, for this protocol (the first declaring container wins). */
export function resolveNamedPort(pod: Pod, name: string, protocol: Protocol): number | undefined {
  for (const container of pod.containers) {
    for (const port of container.ports) {
      if (port.name === name && port.protocol === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/**
 * The cluster's policy pods by the named ports they declare: an egress rule without peers and
 * with a named port applies to every pod declaring that name, found here without a scan of
 * every pod. Kept up to date by the firewall planner from pod changes once built.
 */
export class PodPortNameIndex {
  private readonly byName = new Map<string, Map<string, Pod>>();

  /** Indexes every policy pod of `snapshot`. */
  constructor(snapshot: ClusterSnapshot) {
    for (const pod of snapshot.pods()) this.add(pod);
  }

  /** Replaces `before` by `after` (either may be undefined). */
  update(before: Pod | undefined, after: Pod | undefined): void {
    if (before !== undefined) {
      for (const name of declaredPortNames(before)) {
        const pods = this.byName.get(name);
        pods?.delete(before.key);
        if (pods?.size === 0) this.byName.delete(name);
      }
    }
    if (after !== undefined) this.add(after);
  }

  /** The pods declaring `name` for `protocol`. */
  podsDeclaring(name: string, protocol: Protocol): Pod[] {
    return [...(this.byName.get(portNameKey(name, protocol))?.values() ?? [])];
  }

  private add(pod: Pod): void {
    if (!isPolicyPod(pod)) return;
    for (const name of declaredPortNames(pod)) {
      let pods = this.byName.get(name);
      if (pods === undefined) this.byName.set(name, (pods = new Map()));
      pods.set(pod.key, pod);
    }
  }
}
