import type { PeerSet } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { Pod } from '../../model/index.js';
import { FragmentTable } from '../common/fragment-table.js';
import { candidatePods, memberAddresses, namespaceInScope } from './selector-membership.js';
import { SelectorIndex } from './selector-index.js';
import { SetMembers } from './set-members.js';
import type { SelectorSetDefinition, SharedSetDefinition } from './set-definitions.js';
import { selectsEverything } from '../../model/index.js';

interface SharedSet {
  readonly definition: SharedSetDefinition;
  references: number;
  /** Members of a selector set; cidr sets have none. */
  members?: SetMembers | undefined;
}

/**
 * The peer sets that policies share, reference-counted by the policies of the plan that use
 * them, with their members kept up to date pod by pod.
 *
 * A set enters when the first policy refers to it (its members computed from the snapshot),
 * follows pod events through {@link SharedSets.applyPodChange} (only the sets the
 * {@link SelectorIndex} names for the pod's labels are tried), is recomputed in full when a
 * namespace's labels move it in or out of a namespaceSelector's scope, and leaves with the
 * last policy that refers to it. Every change is written to the plan's `peerSets` table;
 * unchanged sets keep their fragment object.
 */
export class SharedSets {
  private readonly sets = new Map<string, SharedSet>();
  private readonly index = new SelectorIndex();
  private readonly touched = new Set<string>();
  /** Sets computed from the current snapshot since the last flush: pod deltas would count twice. */
  private readonly current = new Set<string>();

  /** @param table the plan's peer set fragments, shared with the planner's own sets */
  constructor(private readonly table: FragmentTable<PeerSet>) {}

  /** One more policy refers to `definition`; a new set gets its members from `snapshot`. */
  acquire(definition: SharedSetDefinition, snapshot: ClusterSnapshot): void {
    const known = this.sets.get(definition.id);
    if (known !== undefined) {
      known.references++;
      return;
    }
    const set: SharedSet = { definition, references: 1 };
    this.sets.set(definition.id, set);
    if (definition.kind === 'selector') {
      this.index.add(definition);
      set.members = computeMembers(definition, snapshot);
    }
    this.touched.add(definition.id);
  }

  /** One policy less refers to the set `id`; the last one removes it. */
  release(id: string): void {
    const set = this.sets.get(id);
    if (set === undefined) return;
    if (--set.references > 0) return;
    this.sets.delete(id);
    this.index.remove(id);
    this.touched.delete(id);
    this.table.delete(id);
  }

  /** Moves the addresses of a pod that changed between `before` (in `previous`) and `after` (in `current`). */
  applyPodChange(before: Pod | undefined, after: Pod | undefined, previous: ClusterSnapshot, current: ClusterSnapshot): void {
    for (const id of this.index.candidates(before?.labels, after?.labels)) {
      const set = this.sets.get(id);
      if (set?.members === undefined || set.definition.kind !== 'selector' || this.current.has(id)) continue;
      const removed = memberAddresses(set.definition, before, previous);
      const added = memberAddresses(set.definition, after, current);
      if (removed.length === added.length && removed.every((address, i) => address === added[i])) continue;
      for (const address of removed) set.members.remove(address);
      for (const address of added) set.members.add(address);
      this.touched.add(id);
    }
  }

  /**
   * Recomputes the sets whose namespaceSelector takes `namespace` in one snapshot and not in the
   * other (its labels changed, or it came or went).
   */
  applyNamespaceChange(namespace: string, previous: ClusterSnapshot, current: ClusterSnapshot): void {
    for (const [id, set] of this.sets) {
      const definition = set.definition;
      if (definition.kind !== 'selector' || definition.namespaceSelector === undefined) continue;
      if (selectsEverything(definition.namespaceSelector)) continue;
      if (namespaceInScope(definition, namespace, previous) === namespaceInScope(definition, namespace, current)) continue;
      set.members = computeMembers(definition, current);
      this.touched.add(id);
      this.current.add(id);
    }
  }

  /** Recomputes every set from `snapshot` (a full resync). */
  recomputeAll(snapshot: ClusterSnapshot): void {
    for (const [id, set] of this.sets) {
      if (set.definition.kind === 'selector') set.members = computeMembers(set.definition, snapshot);
      this.touched.add(id);
    }
  }

  /** Writes the sets touched since the last flush to the plan's table. */
  flush(): void {
    for (const id of this.touched) {
      const set = this.sets.get(id);
      if (set !== undefined) this.table.put(id, fragmentOf(set));
    }
    this.touched.clear();
    this.current.clear();
  }
}

function computeMembers(definition: SelectorSetDefinition, snapshot: ClusterSnapshot): SetMembers {
  const members = new SetMembers();
  for (const pod of candidatePods(definition, snapshot)) {
    for (const address of memberAddresses(definition, pod, snapshot)) members.add(address);
  }
  return members;
}


function fragmentOf(set: SharedSet): PeerSet {
  const definition = set.definition;
  if (definition.kind === 'cidr') {
    return { id: definition.id, kind: 'cidrs', family: definition.family, cidr: definition.cidr, except: definition.except };
  }
  return { id: definition.id, kind: 'pods', family: definition.family, addresses: set.members?.addresses() ?? [] };
}
