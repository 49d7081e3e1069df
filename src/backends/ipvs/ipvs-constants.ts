/**
 * Numbers of the kernel's IPVS generic netlink interface, from the uapi header
 * `include/uapi/linux/ip_vs.h`: the family name and version, commands, attribute types and
 * flag bits. Each enum of the header starts at 0 (`*_UNSPEC`) and counts up; the values are
 * written out here so a reader can check them against the header line by line.
 *
 * @module
 */

/** `IPVS_GENL_NAME`: the generic netlink family to resolve through the controller. */
export const IPVS_GENL_NAME = 'IPVS';
/** `IPVS_GENL_VERSION`. */
export const IPVS_GENL_VERSION = 1;

/** `enum { IPVS_CMD_UNSPEC = 0, IPVS_CMD_NEW_SERVICE, ... }`. */
export const IpvsCommand = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
} as const;

/** `enum { IPVS_CMD_ATTR_UNSPEC = 0, IPVS_CMD_ATTR_SERVICE, IPVS_CMD_ATTR_DEST, ... }`: the top level. */
export const IpvsCommandAttribute = {
  SERVICE: 1,
  DEST: 2,
} as const;

/** `enum { IPVS_SVC_ATTR_UNSPEC = 0, IPVS_SVC_ATTR_AF, ... }`: inside `IPVS_CMD_ATTR_SERVICE`. */
export const IpvsServiceAttribute = {
  /** u16 address family. */
  AF: 1,
  /** u16 IP protocol number. */
  PROTOCOL: 2,
  /** `union nf_inet_addr` (16 bytes; an IPv4 address in the first 4). */
  ADDR: 3,
  /** u16 in network byte order. */
  PORT: 4,
  /** u32 firewall mark (instead of protocol, address and port). */
  FWMARK: 5,
  /** NUL-terminated string, at most `IP_VS_SCHEDNAME_MAXLEN` (16) bytes with the NUL. */
  SCHED_NAME: 6,
  /** `struct ip_vs_flags { __u32 flags; __u32 mask; }`. */
  FLAGS: 7,
  /** u32 persistence timeout in seconds. */
  TIMEOUT: 8,
  /** u32 persistence netmask (`__be32`; a prefix length for IPv6). */
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** `enum { IPVS_DEST_ATTR_UNSPEC = 0, IPVS_DEST_ATTR_ADDR, ... }`: inside `IPVS_CMD_ATTR_DEST`. */
export const IpvsDestAttribute = {
  /** `union nf_inet_addr`. */
  ADDR: 1,
  /** u16 in network byte order. */
  PORT: 2,
  /** u32 `IP_VS_CONN_F_*` forwarding method. */
  FWD_METHOD: 3,
  /** u32. */
  WEIGHT: 4,
  /** u32 upper threshold. */
  U_THRESH: 5,
  /** u32 lower threshold. */
  L_THRESH: 6,
  /** u32 (listings only). */
  ACTIVE_CONNS: 7,
  /** u32 (listings only). */
  INACT_CONNS: 8,
  /** u32 (listings only). */
  PERSIST_CONNS: 9,
  STATS: 10,
  /** u16 address family of the real server. */
  ADDR_FAMILY: 11,
  STATS64: 12,
} as const;

/** `IP_VS_SVC_F_*`: virtual service flags. */
export const IpvsServiceFlag = {
  PERSISTENT: 0x0001,
  /** Set by the kernel on every listed service; never written. */
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
} as const;

/** `IP_VS_CONN_F_FWD_MASK` and the forwarding methods under it. */
export const IpvsForwarding = {
  MASK: 0x0007,
  MASQ: 0x0000,
  LOCALNODE: 0x0001,
  TUNNEL: 0x0002,
  DROUTE: 0x0003,
} as const;

/** `IP_VS_SCHEDNAME_MAXLEN`: scheduler names are shorter than this (NUL included). */
export const IP_VS_SCHEDNAME_MAXLEN = 16;

/** IP protocol numbers (`IPPROTO_TCP`, `IPPROTO_UDP`, `IPPROTO_SCTP`). */
export const IpProtocolNumber = { TCP: 6, UDP: 17, SCTP: 132 } as const;

/** `AF_INET`, `AF_INET6`. */
export const AddressFamilyNumber = { IPv4: 2, IPv6: 10 } as const;
