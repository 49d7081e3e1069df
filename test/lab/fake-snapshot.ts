import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import type { ContainerPort, Node, Pod } from '../../src/core/model/index.js';
import { ArraySnapshot } from '../support/array-snapshot.js';

/** A node as the lab needs it. */
export function makeNode(name: string, internalIPs: readonly string[], podCIDRs: readonly string[]): Node {
  return {
    kind: 'Node', name, key: name, labels: {}, annotations: {},
    internalIPs, externalIPs: [], podCIDR: podCIDRs[0], podCIDRs, unschedulable: false,
  };
}

/** A running pod on `nodeName` with `podIPs` and container `ports` (none: the lab's default 80). */
export function makePod(
  key: string,
  nodeName: string | undefined,
  podIPs: readonly string[],
  ports: readonly ContainerPort[] = [],
  extra: Partial<Pick<Pod, 'hostNetwork' | 'phase' | 'labels'>> = {},
): Pod {
  const [namespace, name] = key.split('/') as [string, string];
  return {
    kind: 'Pod', namespace, name, key, labels: extra.labels ?? {}, annotations: {},
    nodeName, hostNetwork: extra.hostNetwork ?? false, phase: extra.phase ?? 'Running', podIPs,
    containers: [{ name: 'main', ports }],
  };
}

/** A snapshot of just these nodes and pods, so lab tests do not depend on the store. */
export function fakeSnapshot(nodes: readonly Node[], pods: readonly Pod[]): ClusterSnapshot {
  return new ArraySnapshot([...nodes, ...pods]);
}

/** `nodeCount` nodes on 192.168.10.0/24 with pod CIDRs 10.244.N.0/24 and `podsPerNode` pods each. */
export function clusterOf(nodeCount: number, podsPerNode: number, ports: readonly ContainerPort[] = []): ClusterSnapshot {
  const nodes = Array.from({ length: nodeCount }, (_, n) =>
    makeNode(`node-${n + 1}`, [`192.168.10.${n + 11}`], [`10.244.${n + 1}.0/24`]));
  const pods = nodes.flatMap((node, n) =>
    Array.from({ length: podsPerNode }, (_, p) =>
      makePod(`default/pod-${n + 1}-${p + 1}`, node.name, [`10.244.${n + 1}.${p + 10}`], ports)));
  return fakeSnapshot(nodes, pods);
}
