import type { IPFamily } from '../../../core/model/index.js';
import type { PeerSet } from '../../../core/plan/firewall-plan.js';
import { ConfigError } from '../../../core/errors.js';
import { addressOrSkip, cidrText, cidrWithin, hashNetEntries, type CidrText } from './address-text.js';
import { peerSetName, temporarySetName } from './firewall-names.js';
import { skipInput, type RenderProblems } from './render-problems.js';

/**
 * `ipset restore` lines for the firewall's sets. A set in use is never emptied in place: its
 * new members go into a temporary set of the same type, which is then swapped with the live
 * one (`ipset swap`, atomic in the kernel) and destroyed. Bad members are left out (fail
 * closed) and counted in the optional `problems`.
 *
 * @module
 */

/** Default ipset `maxelem`; a larger set gets room for all its members. */
const DEFAULT_MAX_ELEMENTS = 65536;

function ipsetFamily(family: IPFamily): string {
  return family === 'IPv4' ? 'inet' : 'inet6';
}

function cidrOrUndefined(cidr: string, family: PeerSet['family']): CidrText | undefined {
  try {
    return cidrText(cidr, family);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/**
 * The entries of a peer set, normalised: addresses, or networks with excepts as `nomatch`.
 * Bad input fails closed and is counted in `problems`: a member that is no address of the
 * set's family is left out; an ipBlock whose cidr is no CIDR of its family, or with an except
 * that is none or lies outside the cidr, gets no entry at all (it matches nothing).
 */
export function setEntries(set: PeerSet, problems?: RenderProblems): string[] {
  const where = `peer set ${peerSetName(set)}`;
  if (set.kind === 'pods') return [...new Set(set.addresses.flatMap((ip) => addressOrSkip(ip, set.family, problems, where) ?? []))];
  const cidr = cidrOrUndefined(set.cidr, set.family);
  if (cidr === undefined) {
    skipInput(problems, `${where}: ipBlock cidr is not an ${set.family} CIDR; it matches nothing`);
    return [];
  }
  const excepts: CidrText[] = [];
  for (const text of set.except) {
    const except = cidrOrUndefined(text, set.family);
    if (except === undefined || !cidrWithin(except, cidr)) {
      // An except we cannot place could be meant to exclude anything: match nothing.
      skipInput(problems, `${where}: an except is not an ${set.family} CIDR inside the ipBlock; the ipBlock matches nothing`);
      return [];
    }
    excepts.push(except);
  }
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
export function peerSetUpdate(set: PeerSet, exists: boolean, problems?: RenderProblems): SetUpdate {
  const live = peerSetName(set);
  const entries = setEntries(set, problems);
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
