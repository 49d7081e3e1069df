import type { IPFamily } from '../../model/index.js';
import type { TunnelType } from '../../plan/index.js';

/** Fixed header sizes in bytes. */
const OUTER_IP_HEADER: Readonly<Record<IPFamily, number>> = { IPv4: 20, IPv6: 40 };
const UDP_HEADER = 8;
const VXLAN_HEADER = 8;
/** VXLAN carries a whole Ethernet frame (untagged: two MACs and the EtherType). */
const INNER_ETHERNET_HEADER = 14;

/**
 * Bytes an encapsulation adds to each inner packet, with an outer header of `family`:
 *
 * | type  | outer IPv4           | outer IPv6           |
 * | ----- | -------------------- | -------------------- |
 * | ipip  | 20 (IP)              | 40 (IP)              |
 * | fou   | 28 (IP + UDP 8)      | 48 (IP + UDP 8)      |
 * | vxlan | 50 (IP + UDP 8 + VXLAN 8 + Ethernet 14) | 70 |
 *
 * FoU puts the inner IP packet straight after the UDP header (no GUE header). For an IPv6
 * outer header the table assumes no Tunnel Encapsulation Limit option: Linux's ip6tnl adds
 * one (8 more bytes) unless the device is created with `encaplimit none`, which the backend
 * must do for these MTUs to hold.
 */
export function encapsulationOverhead(type: TunnelType, family: IPFamily): number {
  const ip = OUTER_IP_HEADER[family];
  switch (type) {
    case 'ipip':
      return ip;
    case 'fou':
      return ip + UDP_HEADER;
    case 'vxlan':
      return ip + UDP_HEADER + VXLAN_HEADER + INNER_ETHERNET_HEADER;
  }
}

/**
 * The MTU of a tunnel device: the underlay MTU less the encapsulation overhead, so an
 * encapsulated packet never exceeds the underlay MTU (at 1500: ipip 1480/1460, fou
 * 1472/1452, vxlan 1450/1430 for IPv4/IPv6 outer headers).
 */
export function tunnelMtu(type: TunnelType, family: IPFamily, underlayMTU: number): number {
  return underlayMTU - encapsulationOverhead(type, family);
}
