import type { FirewallPlan, PeerSet } from '../../../core/plan/firewall-plan.js';
import type { FamilyAddress } from '../../../core/plan/proxy-plan.js';
import type { IPFamily } from '../../../core/model/index.js';
import { addressText } from './address-text.js';
import { nodeSetName, peerSetName, temporarySetName } from './firewall-names.js';
import { filledSetLines, setEntries } from './ipset-payload.js';

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

function addInto(work: SetWork, live: string, set: PeerSet, exists: boolean): void {
  if (!exists) {
    work.prepare.push(...filledSetLines(live, set, setEntries(set)));
    work.rollback.push(`destroy ${live}`);
    return;
  }
  const temporary = temporarySetName(live);
  work.prepare.push(...filledSetLines(temporary, set, setEntries(set)));
  work.commit.push(`swap ${temporary} ${live}`, `destroy ${temporary}`);
  work.rollback.push(`destroy ${temporary}`);
}

/**
 * Every set of `plan` written anew: created when the kernel lacks it, else filled aside and
 * swapped in; leftover temporary sets destroyed first; owned sets the plan lacks destroyed
 * after the rules stopped using them.
 */
export function fullSetWork(plan: FirewallPlan, existing: ReadonlySet<string>, families: readonly IPFamily[]): SetWork {
  const work = emptySetWork();
  for (const name of existing) if (!name.startsWith('KR-FW-')) work.prepare.push(`destroy ${name}`);
  const wanted = new Set<string>();
  for (const family of families) {
    const name = nodeSetName(family);
    wanted.add(name);
    addInto(work, name, nodeSet(plan.nodeAddresses, family), existing.has(name));
  }
  for (const set of plan.peerSets.values()) {
    if (!families.includes(set.family)) continue;
    const name = peerSetName(set);
    wanted.add(name);
    addInto(work, name, set, existing.has(name));
  }
  for (const name of existing) if (name.startsWith('KR-FW-') && !wanted.has(name)) work.commit.push(`destroy ${name}`);
  return work;
}

// Both address lists are sorted and distinct (the plan says so); normalised for comparison.
function memberChanges(before: readonly string[], after: readonly string[], family: IPFamily): { add: string[]; del: string[] } {
  const old = new Set(before.map((ip) => addressText(ip, family)));
  const next = new Set(after.map((ip) => addressText(ip, family)));
  return { add: [...next].filter((ip) => !old.has(ip)), del: [...old].filter((ip) => !next.has(ip)) };
}

/**
 * The set changes between two plans' peer sets `changed` and `removed` (by id): a pod set
 * that stays gets only its added and deleted members, a CIDR set is refilled aside and
 * swapped, a new set is created, a gone set destroyed after the rules changed.
 */
export function incrementalSetWork(previous: FirewallPlan, next: FirewallPlan, changed: readonly string[], removed: readonly string[], families: readonly IPFamily[]): SetWork {
  const work = emptySetWork();
  for (const id of changed) {
    const set = next.peerSets.get(id);
    if (set === undefined || !families.includes(set.family)) continue;
    const before = previous.peerSets.get(id);
    const live = peerSetName(set);
    const sameSet = before !== undefined && families.includes(before.family) && peerSetName(before) === live;
    if (before !== undefined && !sameSet && families.includes(before.family)) work.commit.push(`destroy ${peerSetName(before)}`);
    if (sameSet && set.kind === 'pods' && before.kind === 'pods') {
      const { add, del } = memberChanges(before.addresses, set.addresses, set.family);
      work.commit.push(...add.map((ip) => `add ${live} ${ip}`), ...del.map((ip) => `del ${live} ${ip}`));
    } else {
      addInto(work, live, set, sameSet);
    }
  }
  for (const id of removed) {
    const before = previous.peerSets.get(id);
    if (before !== undefined && families.includes(before.family)) work.commit.push(`destroy ${peerSetName(before)}`);
  }
  return work;
}
