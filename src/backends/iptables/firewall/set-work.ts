import type { FirewallPlan, PeerSet } from '../../../core/plan/firewall-plan.js';
import type { FamilyAddress } from '../../../core/plan/proxy-plan.js';
import type { IPFamily } from '../../../core/model/index.js';
import { addressOrSkip } from './address-text.js';
import { nodeSetName, peerSetName, temporarySetName } from './firewall-names.js';
import { filledSetLines, setEntries } from './ipset-payload.js';
import type { RenderProblems } from './render-problems.js';

/**
 * The `ipset restore` lines of one sync, in three phases around the iptables transactions:
 * `prepare` (new sets, temporary sets filled) before, `commit` (swaps, member changes, removed
 * sets destroyed) after, `rollback` when the rules could not be changed.
 *
 * @module
 */
export interface SetWork {
  readonly prepare: string[];
  readonly commit: string[];
  readonly rollback: string[];
}

/** Empty work. */
export function emptySetWork(): SetWork {
  return { prepare: [], commit: [], rollback: [] };
}

function nodeSet(addresses: readonly FamilyAddress[], family: IPFamily): PeerSet {
  return { id: `node ${family}`, kind: 'pods', family, addresses: addresses.filter((a) => a.family === family).map((a) => a.ip) };
}

function addInto(work: SetWork, live: string, set: PeerSet, exists: boolean, problems: RenderProblems | undefined): void {
  const entries = setEntries(set, problems);
  if (!exists) {
    work.prepare.push(...filledSetLines(live, set, entries));
    work.rollback.push(`destroy ${live}`);
    return;
  }
  const temporary = temporarySetName(live);
  work.prepare.push(...filledSetLines(temporary, set, entries));
  work.commit.push(`swap ${temporary} ${live}`, `destroy ${temporary}`);
  work.rollback.push(`destroy ${temporary}`);
}

/**
 * Every set of `plan` written anew: created when the kernel lacks it, else filled aside and
 * swapped in; leftover temporary sets destroyed first; owned sets the plan lacks destroyed
 * after the rules stopped using them. Bad members are left out and counted in `problems`.
 */
export function fullSetWork(plan: FirewallPlan, existing: ReadonlySet<string>, families: readonly IPFamily[], problems?: RenderProblems): SetWork {
  const work = emptySetWork();
  for (const name of existing) if (!name.startsWith('KR-FW-')) work.prepare.push(`destroy ${name}`);
  const wanted = new Set<string>();
  for (const family of families) {
    const name = nodeSetName(family);
    wanted.add(name);
    addInto(work, name, nodeSet(plan.nodeAddresses, family), existing.has(name), problems);
  }
  for (const set of plan.peerSets.values()) {
    if (!families.includes(set.family)) continue;
    const name = peerSetName(set);
    wanted.add(name);
    addInto(work, name, set, existing.has(name), problems);
  }
  for (const name of existing) if (name.startsWith('KR-FW-') && !wanted.has(name)) work.commit.push(`destroy ${name}`);
  return work;
}

// Normalised for comparison; a bad member was never added, and is not added now (counted once, for `after`).
function memberChanges(before: readonly string[], after: readonly string[], family: IPFamily, live: string, problems: RenderProblems | undefined): { add: string[]; del: string[] } {
  const where = `peer set ${live}`;
  const old = new Set(before.flatMap((ip) => addressOrSkip(ip, family, undefined, where) ?? []));
  const next = new Set(after.flatMap((ip) => addressOrSkip(ip, family, problems, where) ?? []));
  return { add: [...next].filter((ip) => !old.has(ip)), del: [...old].filter((ip) => !next.has(ip)) };
}

/**
 * The set changes between two plans' peer sets `changed` and `removed` (by id): a pod set
 * that stays gets only its added and deleted members, a CIDR set is refilled aside and
 * swapped, a new set is created, a gone set destroyed after the rules changed. Bad members
 * are left out and counted in `problems`.
 */
export function incrementalSetWork(
  previous: FirewallPlan,
  next: FirewallPlan,
  changed: readonly string[],
  removed: readonly string[],
  families: readonly IPFamily[],
  problems?: RenderProblems,
): SetWork {
  const work = emptySetWork();
  for (const id of changed) {
    const set = next.peerSets.get(id);
    if (set === undefined || !families.includes(set.family)) continue;
    const before = previous.peerSets.get(id);
    const live = peerSetName(set);
    const sameSet = before !== undefined && families.includes(before.family) && peerSetName(before) === live;
    if (before !== undefined && !sameSet && families.includes(before.family)) work.commit.push(`destroy ${peerSetName(before)}`);
    if (sameSet && set.kind === 'pods' && before.kind === 'pods') {
      const { add, del } = memberChanges(before.addresses, set.addresses, set.family, live, problems);
      work.commit.push(...add.map((ip) => `add ${live} ${ip}`), ...del.map((ip) => `del ${live} ${ip}`));
    } else {
      addInto(work, live, set, sameSet, problems);
    }
  }
  for (const id of removed) {
    const before = previous.peerSets.get(id);
    if (before !== undefined && families.includes(before.family)) work.commit.push(`destroy ${peerSetName(before)}`);
  }
  return work;
}
