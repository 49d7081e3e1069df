import { randomBytes } from 'node:crypto';

/**
 * Every network namespace the lab creates starts with this, so a new run can find and remove
 * what a crashed run left behind without touching anything else on the machine.
 */
export const LAB_NETNS_PREFIX = 'krlab-';

/** Linux limits interface names to 15 bytes (IFNAMSIZ 16 with the terminating NUL). */
export const MAX_INTERFACE_NAME_LENGTH = 15;

/** Name of the bridge in each node namespace; kube-router names its bridge the same. */
export const NODE_BRIDGE = 'kube-bridge';
/** The interface carrying the node's InternalIP (and the pod's IP inside a pod namespace). */
export const PRIMARY_INTERFACE = 'eth0';
/** The L2 bridge inside each underlay namespace. */
export const UNDERLAY_BRIDGE = 'br0';

/** Longest part of a cluster object's name kept in a namespace name (readability only). */
const MAX_NAME_PART = 40;

/** A fresh run id: 6 hex digits, short enough to keep namespace names readable. */
export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/** The prefix every namespace of run `runId` carries: `krlab-<runId>-`. */
export function runPrefix(runId: string): string {
  return `${LAB_NETNS_PREFIX}${runId}-`;
}

/** The run id a lab namespace name carries, or undefined for a namespace the lab did not make. */
export function runIdOfNetns(netns: string): string | undefined {
  if (!netns.startsWith(LAB_NETNS_PREFIX)) return undefined;
  const rest = netns.slice(LAB_NETNS_PREFIX.length);
  const dash = rest.indexOf('-');
  return dash > 0 ? rest.slice(0, dash) : undefined;
}

/** Namespace of node number `index` (the name is kept for whoever lists namespaces). */
export function nodeNetnsName(runId: string, index: number, nodeName: string): string {
  return `${runPrefix(runId)}n${index}-${readable(nodeName)}`;
}

/** Namespace of pod number `index`; `podKey` is `namespace/name`. */
export function podNetnsName(runId: string, index: number, podKey: string): string {
  return `${runPrefix(runId)}p${index}-${readable(podKey.replace('/', '.'))}`;
}

/** Namespace holding the L2 bridge of underlay subnet number `index`. */
export function underlayNetnsName(runId: string, index: number): string {
  return `${runPrefix(runId)}u${index}`;
}

/** Namespace of the router joining the underlay subnets. */
export function routerNetnsName(runId: string): string {
  return `${runPrefix(runId)}router`;
}

/** Namespace of the client that plays "outside the cluster". */
export function clientNetnsName(runId: string): string {
  return `${runPrefix(runId)}client`;
}

/** Node-side end of pod number `index`'s veth (pods are numbered across the whole lab). */
export function podHostInterfaceName(index: number): string {
  return interfaceName(`veth${index}`);
}

/** Underlay-side end of node number `index`'s uplink. */
export function nodeUplinkInterfaceName(index: number): string {
  return interfaceName(`n${index}`);
}

/** Underlay-side end of the router's leg into underlay `index`. */
export function routerUplinkInterfaceName(index: number): string {
  return interfaceName(`r${index}`);
}

/** Router-side end of its leg into underlay `index`. */
export function routerLegInterfaceName(index: number): string {
  return interfaceName(`u${index}`);
}

/** Underlay-side end of the client's link. */
export const CLIENT_UPLINK_INTERFACE = 'client0';

/** Checks the kernel's length limit so a bad name fails here, not half way through `up`. */
function interfaceName(name: string): string {
  if (Buffer.byteLength(name) > MAX_INTERFACE_NAME_LENGTH) {
    throw new RangeError(`interface name ${name} is longer than ${MAX_INTERFACE_NAME_LENGTH} bytes`);
  }
  return name;
}

/** A cluster name made safe for a namespace file name: no `/`, bounded length. */
function readable(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_NAME_PART);
}
