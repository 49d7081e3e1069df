import ipaddr from 'ipaddr.js';
import type { IPBlock } from '../../model/index.js';

/** True when `address` is inside the block's CIDR and outside all of its holes. */
export function blockContains(block: IPBlock, address: string): boolean {
  return inCidr(address, block.cidr) && !block.except.some((hole) => inCidr(address, hole));
}

function inCidr(address: string, cidr: string): boolean {
  if (!ipaddr.isValid(address) || !ipaddr.isValidCIDR(cidr)) return false;
  const parsed = ipaddr.parse(address);
  const range = ipaddr.parseCIDR(cidr);
  return parsed.kind() === range[0].kind() && parsed.match(range);
}
