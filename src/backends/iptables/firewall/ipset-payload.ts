import type { IPFamily } from '../../../core/model/index.js';
import type { PeerSet } from '../../../core/plan/firewall-plan.js';
import { addressText, cidrText, hashNetEntries } from './address-text.js';
import { peerSetName, temporarySetName } from './firewall-names.js';

/**
 * `ipset restore` lines for the firewall's sets. A set in use is never emptied in place: its
 * new members go into a temporary set of the same type, which is then swapped with the live
 * one (`ipset swap`, atomic in the kernel) and destroyed.
 *
 * @module
 */

/** Default ipset `maxelem`; a larger set gets room for all its members. */
const DEFAULT_MAX_ELEMENTS = 65536;

function ipsetFamily(family: IPFamily): string {
  return family === 'IPv4' ? 'inet' : 'inet6';
}

/** The entries of a peer set, normalised: addresses, or networks with excepts as `nomatch`. */
export function setEntries(set: PeerSet): string[] {
  if (set.kind === 'pods') return set.addresses.map((ip) => addressText(ip, set.family));
  const cidr = cidrText(set.cidr, set.family);
  const excepts = set.except.map((except) => cidrText(except, set.family));
  // An except equal to the block leaves nothing: no positive entry at all.
  const whole = excepts.some((except) => except.prefix === cidr.prefix && except.network === cidr.network);
  const positive = whole ? [] : hashNetEntries(cidr, set.family);
  const negative = excepts
    .filter((except) => except.prefix > cidr.prefix)
    .flatMap((except) => hashNetEntries(except, set.family).map((entry) => `${entry} nomatch`));
  return [...positive, ...negative];
}

/** `create NAME TYPE family F maxelem N` for a set of `set`'s kind holding `size` entries. */
export function createLine(name: string, set: Pick<PeerSet, 'kind' | 'family'>, size: number): string {
  const type = set.kind === 'pods' ? 'hash:ip' : 'hash:net';
  return `create ${name} ${type} family ${ipsetFamily(set.family)} maxelem ${Math.max(DEFAULT_MAX_ELEMENTS, size)}`;
}

/** Lines creating `name` and adding `entries` (the set must not exist yet). */
export function filledSetLines(name: string, set: Pick<PeerSet, 'kind' | 'family'>, entries: readonly string[]): string[] {
  return [createLine(name, set, entries.length), ...entries.map((entry) => `add ${name} ${entry}`)];
}

/** The lines of one set's update, split by when they run around the iptables payload. */
export interface SetUpdate {
  /** Before the rules change: create and fill (a new set, or the temporary one). */
  readonly prepare: readonly string[];
  /** After the rules changed: swap the temporary set in and destroy it. */
  readonly commit: readonly string[];
  /** Undoes `prepare` when the rules could not be changed. */
  readonly rollback: readonly string[];
}

/**
 * The update of peer set `set`: created under its live name when the kernel does not hold it
 * (`exists` false), otherwise filled under the temporary name and swapped in.
 */
export function peerSetUpdate(set: PeerSet, exists: boolean): SetUpdate {
  const live = peerSetName(set);
  const entries = setEntries(set);
  if (!exists) return { prepare: filledSetLines(live, set, entries), commit: [], rollback: [`destroy ${live}`] };
  const temporary = temporarySetName(live);
  return {
    prepare: filledSetLines(temporary, set, entries),
    commit: [`swap ${temporary} ${live}`, `destroy ${temporary}`],
    rollback: [`destroy ${temporary}`],
  };
}

/** A payload for `ipset restore`: lines joined, one trailing newline, nothing when empty. */
export function ipsetPayload(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
