/**
 * How the plan's tunnels become kernel links and entries.
 *
 * IPIP and FOU (IPIP inside UDP): one link per remote node, named as the plan names it
 * (`tun-...`), `local L remote R` (and `encap fou encap-dport P`). Layer 3: a route `dst via R
 * dev tun-x onlink` needs nothing more.
 *
 * VXLAN: Linux refuses a second VXLAN device with the same VNI and port in a namespace, and
 * the plan gives every tunnel the overlay's one VNI and port, so the VXLAN tunnels of a family
 * share one device, `tun-vxlan-v4` or `tun-vxlan-v6` (`vxlan id VNI local L dstport P
 * nolearning`, no remote). Each remote node then costs two entries on it instead of a link:
 *
 * - a permanent neighbour `R lladdr mac(R)`: the route `dst via R dev tun-vxlan-v4 onlink`
 *   needs a hardware address for its next hop;
 * - a forwarding entry `mac(R) dst R self permanent`: frames to that address go to R.
 *
 * `mac(A)` ({@link tunnelMac}) is derived from the underlay address A alone, and every node
 * gives its own VXLAN device `mac(its address)`, so a frame sent to `mac(R)` is addressed to
 * R's device. Nothing is learned or resolved at run time (no ARP over the overlay, and IPv6,
 * whose NDP answers only for addresses of the receiving interface, works the same).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BackendError } from '../../core/errors.js';
import type { IPFamily } from '../../core/model/index.js';
import type { TunnelPlan } from '../../core/plan/route-plan.js';
import type { FdbSpec, KernelLink, LinkChange, LinkSpec, NeighbourSpec, TunnelSettings } from '../../core/ports/netlink.js';
import { canonicalAddress } from './rtnetlink/ip-bytes.js';

/** Every link the backend makes is named so (kube-router names its tunnels the same). */
export const TUNNEL_NAME_PREFIX = 'tun-';
/**
 * The `ifalias` the backend sets on its links: with the name prefix, how it recognises its own
 * links after a restart, and how an operator sees who made them.
 */
export const OWNED_LINK_ALIAS = 'kube-router';
/** VXLAN's IANA port, when the plan gives none. */
export const DEFAULT_VXLAN_PORT = 4789;
/** kube-router's default FOU port, when the plan gives none. */
export const DEFAULT_FOU_PORT = 5555;
/** Linux's interface name limit. */
const MAX_NAME_BYTES = 15;

/** The shared VXLAN device of a family. */
export function vxlanDeviceName(family: IPFamily): string {
  return family === 'IPv4' ? 'tun-vxlan-v4' : 'tun-vxlan-v6';
}

/** True for the names of the shared VXLAN devices. */
export function isVxlanDeviceName(name: string): boolean {
  return name === vxlanDeviceName('IPv4') || name === vxlanDeviceName('IPv6');
}

function planError(tunnel: TunnelPlan, problem: string): BackendError {
  return new BackendError('netlink', ['link', 'add', tunnel.name], undefined, '', `tunnel ${tunnel.name}: ${problem}`);
}

/** Throws `BackendError` unless the plan's tunnel name is one the backend may own. */
function checkName(tunnel: TunnelPlan): void {
  if (!tunnel.name.startsWith(TUNNEL_NAME_PREFIX) || Buffer.byteLength(tunnel.name) > MAX_NAME_BYTES || isVxlanDeviceName(tunnel.name)) {
    throw planError(tunnel, `name must start with ${TUNNEL_NAME_PREFIX}, fit in ${MAX_NAME_BYTES} bytes and not be a shared VXLAN device's`);
  }
}

/**
 * The hardware address of the VXLAN device of the node whose underlay address is `address`:
 * locally administered, unicast, from a hash of the address, so every other node can compute it.
 */
export function tunnelMac(address: string): string {
  const digest = createHash('sha256').update(`kube-router vxlan ${canonicalAddress(address)}`).digest();
  digest[0] = ((digest[0] as number) & 0xfc) | 0x02;
  return [...digest.subarray(0, 6)].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** The device a tunnel's routes go out of: the shared VXLAN device, or the tunnel's own link. */
export function tunnelDevice(tunnel: TunnelPlan): string {
  return tunnel.type === 'vxlan' ? vxlanDeviceName(tunnel.family) : tunnel.name;
}

/** The shared VXLAN device that `tunnel` (a VXLAN tunnel) goes through. */
export function vxlanDeviceSpec(tunnel: TunnelPlan): LinkSpec {
  checkName(tunnel);
  if (tunnel.vni === undefined) throw planError(tunnel, 'a vxlan tunnel needs a vni');
  const local = canonicalAddress(tunnel.local);
  return {
    name: vxlanDeviceName(tunnel.family),
    tunnel: { kind: 'vxlan', vni: tunnel.vni, local, port: tunnel.port ?? DEFAULT_VXLAN_PORT },
    mtu: tunnel.mtu,
    up: true,
    address: tunnelMac(local),
  };
}

/** The neighbour and forwarding entry of one VXLAN tunnel on its shared device. */
export interface VxlanPeer {
  readonly neighbour: NeighbourSpec;
  readonly fdb: FdbSpec;
}

/** The entries that send `tunnel`'s traffic (a VXLAN tunnel) to its remote node. */
export function vxlanPeer(tunnel: TunnelPlan): VxlanPeer {
  const device = vxlanDeviceName(tunnel.family);
  const remote = canonicalAddress(tunnel.remote);
  const lladdr = tunnelMac(remote);
  return { neighbour: { device, address: remote, lladdr }, fdb: { device, lladdr, destination: remote } };
}

/** The link of an IPIP or FOU tunnel. Throws `BackendError` for a plan the kernel cannot carry. */
export function ipipLinkSpec(tunnel: TunnelPlan): LinkSpec {
  checkName(tunnel);
  if (tunnel.type === 'vxlan') throw planError(tunnel, 'vxlan tunnels share a device');
  if (tunnel.family === 'IPv6') throw planError(tunnel, `${tunnel.type} over IPv6 (ip6tnl) is not supported`);
  const local = canonicalAddress(tunnel.local);
  const remote = canonicalAddress(tunnel.remote);
  const settings: TunnelSettings = tunnel.type === 'ipip'
    ? { kind: 'ipip', local, remote }
    : { kind: 'ipip', local, remote, fouPort: tunnel.port ?? DEFAULT_FOU_PORT };
  return { name: tunnel.name, tunnel: settings, mtu: tunnel.mtu, up: true };
}

/** True when two VXLAN tunnels can share one device (same VNI, port and local address). */
export function sameVxlanDevice(a: LinkSpec, b: LinkSpec): boolean {
  const x = a.tunnel;
  const y = b.tunnel;
  return x.kind === 'vxlan' && y.kind === 'vxlan' && x.vni === y.vni && x.port === y.port && x.local === y.local;
}

/** What it takes to turn a link into the wanted one. */
export interface LinkRepair {
  /** The kind, the family, the VNI, port or FOU port, or the address differ: delete and create again. */
  readonly recreate: boolean;
  /** Otherwise, what to change in place; undefined when nothing differs. */
  readonly change?: LinkChange | undefined;
}

/** The link state a link is compared on. */
export type LinkState = Pick<KernelLink, 'mtu' | 'up' | 'alias' | 'address' | 'tunnel'>;

/** The state a link created from `spec` has (what the backend remembers it made). */
export function stateOf(spec: LinkSpec): LinkState {
  return { mtu: spec.mtu ?? 0, up: true, alias: OWNED_LINK_ALIAS, address: spec.address, tunnel: spec.tunnel };
}

/** How to turn `current` into `wanted`. */
export function linkRepair(current: LinkState, wanted: LinkSpec): LinkRepair {
  const have = current.tunnel;
  const want = wanted.tunnel;
  const v6 = (settings: TunnelSettings): boolean => settings.local.includes(':');
  if (have === undefined || have.kind !== want.kind || v6(have) !== v6(want)) return { recreate: true };
  if (have.kind === 'vxlan' && want.kind === 'vxlan' && (have.vni !== want.vni || have.port !== want.port || have.remote !== want.remote)) {
    return { recreate: true };
  }
  if (have.kind === 'ipip' && want.kind === 'ipip' && have.fouPort !== want.fouPort) return { recreate: true };
  if (wanted.address !== undefined && current.address !== wanted.address) return { recreate: true };
  const endpoints = have.local !== want.local || (have.kind === 'ipip' && want.kind === 'ipip' && have.remote !== want.remote);
  const change: LinkChange = {
    ...(endpoints ? { tunnel: want } : {}),
    ...(wanted.mtu !== undefined && current.mtu !== wanted.mtu ? { mtu: wanted.mtu } : {}),
    ...(current.up ? {} : { up: true }),
    ...(current.alias === OWNED_LINK_ALIAS ? {} : { alias: OWNED_LINK_ALIAS }),
  };
  return { recreate: false, change: Object.keys(change).length === 0 ? undefined : change };
}

/** True for a link this backend made: its name prefix and its alias. */
export function isOwnedTunnelLink(link: Pick<KernelLink, 'name' | 'alias'>): boolean {
  return link.name.startsWith(TUNNEL_NAME_PREFIX) && link.alias === OWNED_LINK_ALIAS;
}
