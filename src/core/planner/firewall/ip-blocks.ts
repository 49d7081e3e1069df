import ipaddr from 'ipaddr.js';
import type { IPBlock } from '../../model/index.js';
import type { CidrMatch } from '../../plan/index.js';
import { compareCidrs, compareText, sortedUniqueCidrs } from '../common/addresses.js';

/** ipBlocks as plan matches: deduplicated, `except` sorted, sorted by CIDR. */
export function planCidrMatches(blocks: readonly IPBlock[]): CidrMatch[] {
  const byText = new Map<string, CidrMatch>();
  for (const block of blocks) {
    const match: CidrMatch = { cidr: block.cidr, except: sortedUniqueCidrs(block.except) };
    byText.set(`${match.cidr} ${match.except.join(' ')}`, match);
  }
  return [...byText.values()].sort(
    (a, b) => compareCidrs(a.cidr, b.cidr) || compareText(a.except.join(' '), b.except.join(' ')),
  );
}

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
