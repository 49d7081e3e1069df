/**
 * `IFLA_LINKINFO` for the tunnel kinds, built and read here because the `netlink` package
 * carries it as raw bytes. The layout is the kernel's uapi (linux/if_link.h, linux/if_tunnel.h):
 *
 * ```
 * IFLA_LINKINFO (nested)
 *   IFLA_INFO_KIND  "vxlan\0" | "ipip\0"
 *   IFLA_INFO_DATA  (nested)
 *     vxlan: IFLA_VXLAN_ID u32, IFLA_VXLAN_GROUP in_addr | IFLA_VXLAN_GROUP6 in6_addr (the
 *            remote, when there is one), IFLA_VXLAN_LOCAL | IFLA_VXLAN_LOCAL6, IFLA_VXLAN_PORT be16,
 *            IFLA_VXLAN_LEARNING u8 (0: the remote is fixed, nothing to learn)
 *     ipip:  IFLA_IPTUN_LOCAL in_addr, IFLA_IPTUN_REMOTE in_addr, and for FOU
 *            IFLA_IPTUN_ENCAP_TYPE u16 (1 = FOU), IFLA_IPTUN_ENCAP_DPORT be16,
 *            IFLA_IPTUN_ENCAP_SPORT be16 (0: the kernel picks per flow)
 * ```
 *
 * @module
 */
import type { TunnelSettings } from '../../../core/ports/netlink.js';
import { attribute, be16, cString, nested, parseAttributes, readCString, u16, u32, u8 } from './attributes.js';
import { addressBytes, addressText } from './ip-bytes.js';

/** `IFLA_INFO_*` (linux/if_link.h). */
export const IflaInfo = { KIND: 1, DATA: 2 } as const;

/** `IFLA_VXLAN_*` (linux/if_link.h). */
export const IflaVxlan = { ID: 1, GROUP: 2, LOCAL: 4, LEARNING: 7, PORT: 15, GROUP6: 16, LOCAL6: 17 } as const;

/** `IFLA_IPTUN_*` (linux/if_tunnel.h). */
export const IflaIptun = { LOCAL: 2, REMOTE: 3, ENCAP_TYPE: 15, ENCAP_FLAGS: 16, ENCAP_SPORT: 17, ENCAP_DPORT: 18 } as const;

/** `TUNNEL_ENCAP_FOU` (linux/if_tunnel.h). */
export const TUNNEL_ENCAP_FOU = 1;

/** `IFLA_LINKINFO` (linux/if_link.h), the attribute that holds the stream below. */
export const IFLA_LINKINFO = 18;

/**
 * The payload of `IFLA_LINKINFO` (its children) for a tunnel. For a change of an existing
 * link (`change`), the VXLAN port is left out: the kernel refuses `IFLA_VXLAN_PORT` on a
 * change even when it is the same (`EOPNOTSUPP`, "Cannot change port").
 */
export function encodeLinkInfo(tunnel: TunnelSettings, change = false): Buffer {
  const data = tunnel.kind === 'vxlan' ? vxlanData(tunnel, change) : ipipData(tunnel);
  return Buffer.concat([attribute(IflaInfo.KIND, cString(tunnel.kind)), nested(IflaInfo.DATA, data)]);
}

function vxlanData(tunnel: Extract<TunnelSettings, { kind: 'vxlan' }>, change: boolean): Buffer[] {
  const local = addressBytes(tunnel.local);
  const remote = tunnel.remote === undefined ? undefined : addressBytes(tunnel.remote);
  if (remote !== undefined && remote.length !== local.length) throw new RangeError('vxlan local and remote must be of one family');
  const v6 = local.length === 16;
  return [
    attribute(IflaVxlan.ID, u32(tunnel.vni)),
    ...(remote === undefined ? [] : [attribute(v6 ? IflaVxlan.GROUP6 : IflaVxlan.GROUP, remote)]),
    attribute(v6 ? IflaVxlan.LOCAL6 : IflaVxlan.LOCAL, local),
    ...(change ? [] : [attribute(IflaVxlan.PORT, be16(tunnel.port))]),
    attribute(IflaVxlan.LEARNING, u8(0)),
  ];
}

function ipipData(tunnel: Extract<TunnelSettings, { kind: 'ipip' }>): Buffer[] {
  const data = [attribute(IflaIptun.LOCAL, addressBytes(tunnel.local)), attribute(IflaIptun.REMOTE, addressBytes(tunnel.remote))];
  if (tunnel.fouPort !== undefined) {
    data.push(
      attribute(IflaIptun.ENCAP_TYPE, u16(TUNNEL_ENCAP_FOU)),
      attribute(IflaIptun.ENCAP_DPORT, be16(tunnel.fouPort)),
      attribute(IflaIptun.ENCAP_SPORT, be16(0)),
    );
  }
  return data;
}

/** What `IFLA_LINKINFO` says: the kind, and the tunnel settings for vxlan and ipip. */
export interface DecodedLinkInfo {
  readonly kind?: string | undefined;
  readonly tunnel?: TunnelSettings | undefined;
}

/** Reads the payload of `IFLA_LINKINFO`. Unknown kinds give just the kind. */
export function decodeLinkInfo(payload: Uint8Array): DecodedLinkInfo {
  const info = parseAttributes(payload);
  const kindBytes = info.get(IflaInfo.KIND);
  const kind = kindBytes === undefined ? undefined : readCString(kindBytes);
  const data = info.get(IflaInfo.DATA);
  if (data === undefined) return { kind };
  const fields = parseAttributes(data);
  if (kind === 'vxlan') return { kind, tunnel: decodeVxlan(fields) };
  if (kind === 'ipip') return { kind, tunnel: decodeIpip(fields) };
  return { kind };
}

function decodeVxlan(fields: Map<number, Buffer>): TunnelSettings | undefined {
  const id = fields.get(IflaVxlan.ID);
  const remote = fields.get(IflaVxlan.GROUP) ?? fields.get(IflaVxlan.GROUP6);
  const local = fields.get(IflaVxlan.LOCAL) ?? fields.get(IflaVxlan.LOCAL6);
  const port = fields.get(IflaVxlan.PORT);
  if (id === undefined || local === undefined || port === undefined) return undefined;
  return {
    kind: 'vxlan',
    vni: id.readUInt32LE(0),
    local: addressText(local),
    ...(remote === undefined ? {} : { remote: addressText(remote) }),
    port: port.readUInt16BE(0),
  };
}

function decodeIpip(fields: Map<number, Buffer>): TunnelSettings | undefined {
  const local = fields.get(IflaIptun.LOCAL);
  const remote = fields.get(IflaIptun.REMOTE);
  if (local === undefined || remote === undefined) return undefined;
  const encapType = fields.get(IflaIptun.ENCAP_TYPE);
  const dport = fields.get(IflaIptun.ENCAP_DPORT);
  const fou = encapType !== undefined && encapType.readUInt16LE(0) === TUNNEL_ENCAP_FOU && dport !== undefined;
  return {
    kind: 'ipip',
    local: addressText(local),
    remote: addressText(remote),
    ...(fou ? { fouPort: dport.readUInt16BE(0) } : {}),
  };
}
