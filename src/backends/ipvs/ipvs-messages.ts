/**
 * IPVS generic netlink messages, laid out as the kernel's `ip_vs_genl_parse_service` and
 * `ip_vs_genl_parse_dest` read them: every request carries a nested `IPVS_CMD_ATTR_SERVICE`
 * naming the virtual service (address family, protocol, address, port); requests that create
 * or change one add its scheduler, flags, timeout and netmask (the kernel refuses a full entry
 * without all four). Real server requests add a nested `IPVS_CMD_ATTR_DEST` (address and
 * port; for a new or changed one also forwarding method, weight and thresholds, which the
 * kernel requires together, and the address family).
 *
 * Each builder returns the generic netlink payload (the 4-byte `genlmsghdr`, then the
 * attributes); the socket adds the netlink header.
 *
 * @module
 */
import type { IPFamily } from '../../core/model/index.js';
import type {
  ForwardingMethod,
  IpvsProtocol,
  KernelRealServer,
  RealServer,
  RealServerKey,
  VirtualService,
  VirtualServiceKey,
} from '../../core/ports/ipvs.js';
import {
  AddressFamilyNumber,
  IP_VS_SCHEDNAME_MAXLEN,
  IPVS_GENL_VERSION,
  IpProtocolNumber,
  IpvsCommand,
  IpvsCommandAttribute,
  IpvsDestAttribute,
  IpvsForwarding,
  IpvsServiceAttribute,
  IpvsServiceFlag,
} from './ipvs-constants.js';
import {
  attribute,
  be16,
  be32,
  cString,
  GENL_HEADER_LENGTH,
  genlPayload,
  inetAddress,
  inetAddressText,
  nested,
  parseAttributes,
  readCString,
  u16,
  u32,
} from './netlink-attributes.js';

/** The flags and mask of `struct ip_vs_flags`: every bit is set from the request. */
const ALL_FLAG_BITS = 0xffffffff;

function familyNumber(family: IPFamily): number {
  return AddressFamilyNumber[family];
}

/**
 * The attributes naming a virtual service: family, protocol, address and port; or family and
 * firewall mark (the kernel then ignores protocol, address and port, and reads none).
 */
function serviceKeyAttributes(key: VirtualServiceKey): Buffer[] {
  if (key.fwmark !== undefined) {
    return [attribute(IpvsServiceAttribute.AF, u16(familyNumber(key.family))), attribute(IpvsServiceAttribute.FWMARK, u32(key.fwmark))];
  }
  return [
    attribute(IpvsServiceAttribute.AF, u16(familyNumber(key.family))),
    attribute(IpvsServiceAttribute.PROTOCOL, u16(IpProtocolNumber[key.protocol])),
    attribute(IpvsServiceAttribute.ADDR, inetAddress(key.address)),
    attribute(IpvsServiceAttribute.PORT, be16(key.port)),
  ];
}

/**
 * The netmask attribute's payload: the kernel copies the four bytes into its `__be32 netmask`
 * as they are (`nla_get_be32`). For IPv4 that field is a mask in network order (a /24 is
 * `ff ff ff 00`); for IPv6 the kernel compares the same field, read as a host integer, with
 * 1..128, so it holds the prefix length in host order (ipvsadm writes 128 as `80 00 00 00`).
 */
function netmaskPayload(family: IPFamily, prefix: number): Buffer {
  if (family === 'IPv6') return u32(prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return be32(mask);
}

/** The prefix length of a netmask payload, the inverse of {@link netmaskPayload}. */
function netmaskPrefix(family: IPFamily, payload: Buffer | undefined): number {
  if (payload === undefined) return family === 'IPv6' ? 128 : 32;
  if (family === 'IPv6') return payload.readUInt32LE(0);
  let mask = payload.readUInt32BE(0);
  let prefix = 0;
  while (mask & 0x80000000) {
    prefix += 1;
    mask = (mask << 1) >>> 0;
  }
  return prefix;
}

function flagsPayload(flags: number): Buffer {
  return Buffer.concat([u32(flags & ~IpvsServiceFlag.HASHED), u32(ALL_FLAG_BITS)]);
}

function serviceAttribute(service: VirtualService): Buffer {
  if (Buffer.byteLength(service.scheduler) >= IP_VS_SCHEDNAME_MAXLEN) {
    throw new RangeError(`scheduler name ${JSON.stringify(service.scheduler)} is longer than IPVS allows`);
  }
  return nested(IpvsCommandAttribute.SERVICE, [
    ...serviceKeyAttributes(service),
    attribute(IpvsServiceAttribute.SCHED_NAME, cString(service.scheduler)),
    attribute(IpvsServiceAttribute.FLAGS, flagsPayload(service.flags)),
    attribute(IpvsServiceAttribute.TIMEOUT, u32(service.timeoutSeconds)),
    attribute(IpvsServiceAttribute.NETMASK, netmaskPayload(service.family, service.netmaskPrefix)),
  ]);
}

function serviceKeyAttribute(key: VirtualServiceKey): Buffer {
  return nested(IpvsCommandAttribute.SERVICE, serviceKeyAttributes(key));
}

const FORWARDING_NUMBER: Record<ForwardingMethod, number> = {
  masquerade: IpvsForwarding.MASQ,
  local: IpvsForwarding.LOCALNODE,
  tunnel: IpvsForwarding.TUNNEL,
  route: IpvsForwarding.DROUTE,
};

function destKeyAttributes(server: RealServerKey): Buffer[] {
  return [attribute(IpvsDestAttribute.ADDR, inetAddress(server.address)), attribute(IpvsDestAttribute.PORT, be16(server.port))];
}

function destAttribute(server: RealServer): Buffer {
  return nested(IpvsCommandAttribute.DEST, [
    ...destKeyAttributes(server),
    attribute(IpvsDestAttribute.FWD_METHOD, u32(FORWARDING_NUMBER[server.forwarding])),
    attribute(IpvsDestAttribute.WEIGHT, u32(server.weight)),
    attribute(IpvsDestAttribute.U_THRESH, u32(server.upperThreshold)),
    attribute(IpvsDestAttribute.L_THRESH, u32(server.lowerThreshold)),
    attribute(IpvsDestAttribute.ADDR_FAMILY, u16(familyNumber(server.family))),
  ]);
}

function message(command: number, attributes: readonly Buffer[]): Buffer {
  return genlPayload(command, IPVS_GENL_VERSION, attributes);
}

/** `IPVS_CMD_NEW_SERVICE`: the whole virtual service. */
export function newServiceMessage(service: VirtualService): Buffer {
  return message(IpvsCommand.NEW_SERVICE, [serviceAttribute(service)]);
}

/** `IPVS_CMD_SET_SERVICE`: the whole virtual service, found by its key. */
export function setServiceMessage(service: VirtualService): Buffer {
  return message(IpvsCommand.SET_SERVICE, [serviceAttribute(service)]);
}

/** `IPVS_CMD_DEL_SERVICE`: the key only. */
export function deleteServiceMessage(key: VirtualServiceKey): Buffer {
  return message(IpvsCommand.DEL_SERVICE, [serviceKeyAttribute(key)]);
}

/** `IPVS_CMD_GET_SERVICE` sent as a dump (`NLM_F_DUMP`): no attributes. */
export function dumpServicesMessage(): Buffer {
  return message(IpvsCommand.GET_SERVICE, []);
}

/** `IPVS_CMD_NEW_DEST`: the service's key and the whole real server. */
export function newDestMessage(service: VirtualServiceKey, server: RealServer): Buffer {
  return message(IpvsCommand.NEW_DEST, [serviceKeyAttribute(service), destAttribute(server)]);
}

/** `IPVS_CMD_SET_DEST`: the service's key and the whole real server. */
export function setDestMessage(service: VirtualServiceKey, server: RealServer): Buffer {
  return message(IpvsCommand.SET_DEST, [serviceKeyAttribute(service), destAttribute(server)]);
}

/** `IPVS_CMD_DEL_DEST`: the service's key and the real server's address and port. */
export function deleteDestMessage(service: VirtualServiceKey, server: RealServerKey): Buffer {
  return message(IpvsCommand.DEL_DEST, [serviceKeyAttribute(service), nested(IpvsCommandAttribute.DEST, destKeyAttributes(server))]);
}

/** `IPVS_CMD_GET_DEST` sent as a dump: the service's key. */
export function dumpDestsMessage(service: VirtualServiceKey): Buffer {
  return message(IpvsCommand.GET_DEST, [serviceKeyAttribute(service)]);
}

function familyOf(number: number | undefined): IPFamily | undefined {
  return number === AddressFamilyNumber.IPv4 ? 'IPv4' : number === AddressFamilyNumber.IPv6 ? 'IPv6' : undefined;
}

function protocolOf(number: number | undefined): IpvsProtocol | undefined {
  const found = Object.entries(IpProtocolNumber).find(([, value]) => value === number);
  return found?.[0] as IpvsProtocol | undefined;
}

/** The attributes after the generic netlink header of a reply. */
function replyAttributes(payload: Buffer): Map<number, Buffer> {
  return parseAttributes(payload.subarray(GENL_HEADER_LENGTH));
}

/** The family's unspecified address: what a firewall-mark service lists as its address. */
export function unspecifiedAddress(family: IPFamily): string {
  return family === 'IPv6' ? '::' : '0.0.0.0';
}

/**
 * The virtual service of one `GET_SERVICE` dump reply, or undefined for one this port does
 * not model (an unknown protocol or family). The kernel's `HASHED` bit is dropped from the
 * flags. A firewall-mark service (the kernel sends its family and mark, no address or port)
 * is listed with `fwmark`, protocol TCP (what the kernel stores for it), the family's
 * unspecified address and port 0.
 */
export function parseServiceReply(payload: Buffer): VirtualService | undefined {
  const nestedService = replyAttributes(payload).get(IpvsCommandAttribute.SERVICE);
  if (nestedService === undefined) return undefined;
  const attrs = parseAttributes(nestedService);
  const family = familyOf(attrs.get(IpvsServiceAttribute.AF)?.readUInt16LE(0));
  if (family === undefined) return undefined;
  const fwmark = attrs.get(IpvsServiceAttribute.FWMARK)?.readUInt32LE(0) ?? 0;
  const flags = attrs.get(IpvsServiceAttribute.FLAGS)?.readUInt32LE(0) ?? 0;
  const settings = {
    scheduler: readCString(attrs.get(IpvsServiceAttribute.SCHED_NAME) ?? Buffer.alloc(0)),
    flags: flags & ~IpvsServiceFlag.HASHED,
    timeoutSeconds: attrs.get(IpvsServiceAttribute.TIMEOUT)?.readUInt32LE(0) ?? 0,
    netmaskPrefix: netmaskPrefix(family, attrs.get(IpvsServiceAttribute.NETMASK)),
  };
  if (fwmark !== 0) return { family, protocol: 'TCP', address: unspecifiedAddress(family), port: 0, fwmark, ...settings };
  const protocol = protocolOf(attrs.get(IpvsServiceAttribute.PROTOCOL)?.readUInt16LE(0));
  const address = attrs.get(IpvsServiceAttribute.ADDR);
  const port = attrs.get(IpvsServiceAttribute.PORT);
  if (protocol === undefined || address === undefined || port === undefined) return undefined;
  return {
    family,
    protocol,
    address: inetAddressText(address, family),
    port: port.readUInt16BE(0),
    ...settings,
  };
}

const FORWARDING_BY_NUMBER = new Map<number, ForwardingMethod>(
  Object.entries(FORWARDING_NUMBER).map(([name, value]) => [value, name as ForwardingMethod]),
);

/**
 * The real server of one `GET_DEST` dump reply. Kernels before 4.x send no
 * `IPVS_DEST_ATTR_ADDR_FAMILY`: the service's family is the real server's then.
 */
export function parseDestReply(payload: Buffer, serviceFamily: IPFamily): KernelRealServer | undefined {
  const nestedDest = replyAttributes(payload).get(IpvsCommandAttribute.DEST);
  if (nestedDest === undefined) return undefined;
  const attrs = parseAttributes(nestedDest);
  const family = familyOf(attrs.get(IpvsDestAttribute.ADDR_FAMILY)?.readUInt16LE(0)) ?? serviceFamily;
  const address = attrs.get(IpvsDestAttribute.ADDR);
  const port = attrs.get(IpvsDestAttribute.PORT);
  if (address === undefined || port === undefined) return undefined;
  const method = (attrs.get(IpvsDestAttribute.FWD_METHOD)?.readUInt32LE(0) ?? 0) & IpvsForwarding.MASK;
  const read = (type: number): number => attrs.get(type)?.readUInt32LE(0) ?? 0;
  return {
    family,
    address: inetAddressText(address, family),
    port: port.readUInt16BE(0),
    forwarding: FORWARDING_BY_NUMBER.get(method) ?? 'masquerade',
    weight: read(IpvsDestAttribute.WEIGHT),
    upperThreshold: read(IpvsDestAttribute.U_THRESH),
    lowerThreshold: read(IpvsDestAttribute.L_THRESH),
    activeConnections: read(IpvsDestAttribute.ACTIVE_CONNS),
    inactiveConnections: read(IpvsDestAttribute.INACT_CONNS),
  };
}
