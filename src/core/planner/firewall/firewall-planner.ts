import { matchesSelector, type LabelSelector, type Node, type Pod } from '../../model/index.js';
import { ipFamilyOf } from '../../model/ip-family.js';
import type { FamilyAddress, FirewallPlan, PeerSet, PodFirewall, PolicyPlan } from '../../plan/index.js';
import type { ObjectChange } from '../../store/change.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { ConcernPlanner } from '../concern-planner.js';
import { changedObjects } from '../common/changed-objects.js';
import { compareAddresses, compareText } from '../common/addresses.js';
import { FragmentTable } from '../common/fragment-table.js';
import { PodAddressIndex } from './pod-address-index.js';
import { declaredPortNames, PodPortNameIndex } from './pod-port-names.js';
import { planPolicy, type RuleContext } from './policy-rules.js';
import { isPolicyPod } from './policy-pods.js';
import { SharedSets } from './shared-sets.js';

/** What the planner remembers of a policy in the plan. */
interface PolicyState {
  readonly targets: readonly string[];
  readonly sharedSets: readonly string[];
  readonly namedPortSets: readonly string[];
  readonly egressPortNames: readonly string[];
}

/** What one update marked for replanning. */
interface DirtyWork {
  readonly policies: Set<string>;
  readonly pods: Set<string>;
}

/**
 * The NetworkPolicy planner of one node, incremental (see `ConcernPlanner`). Its fragment index:
 *
 * - a pod of this node: its own fragment, and the policies of its namespace that select it
 *   before or after (their targets, and ingress named ports resolved on them);
 * - any pod: the members of the shared peer sets whose selectors take it before or after,
 *   found through a reverse index of selectors by label, moved address by address; and the
 *   policies whose egress named ports it declares before or after;
 * - a namespace: the sets whose namespaceSelector takes it in one snapshot and not the other
 *   (recomputed), and the policies with egress named ports (their coverage may follow);
 * - a policy: itself (targets, rules, the sets it refers to), and the pods it selects before or
 *   after;
 * - this node: the plan-wide node addresses; other nodes, services, slices: nothing.
 *
 * {@link FirewallPlanner.full} walks the same path with every local pod, every policy of their
 * namespaces and every set dirty. The semantics are `planFirewall`'s.
 */
export class FirewallPlanner implements ConcernPlanner<FirewallPlan> {
  private previous: ClusterSnapshot | undefined;
  private plan: FirewallPlan | undefined;
  private readonly pods = new FragmentTable<PodFirewall>();
  private readonly policies = new FragmentTable<PolicyPlan>();
  private readonly peerSets = new FragmentTable<PeerSet>();
  private readonly shared = new SharedSets(this.peerSets);
  private readonly policyStates = new Map<string, PolicyState>();
  /** `name/PROTOCOL` → policies whose egress rules use that named port. */
  private readonly egressPortPolicies = new Map<string, Set<string>>();
  private addressIndex: PodAddressIndex | undefined;
  private portNameIndex: PodPortNameIndex | undefined;
  private nodeAddresses: readonly FamilyAddress[] = [];

  /** @param nodeName the node whose pods this planner protects */
  constructor(readonly nodeName: string) {}

  get current(): FirewallPlan | undefined {
    return this.plan;
  }

  full(snapshot: ClusterSnapshot): FirewallPlan {
    this.addressIndex = undefined;
    this.portNameIndex = undefined;
    const dirty: DirtyWork = { policies: new Set(this.policyStates.keys()), pods: new Set(this.pods.keysWithPrefix('')) };
    const namespaces = new Set<string>();
    for (const pod of snapshot.podsOnNode(this.nodeName)) {
      dirty.pods.add(pod.key);
      namespaces.add(pod.namespace);
    }
    for (const namespace of namespaces) {
      for (const policy of snapshot.policiesInNamespace(namespace)) dirty.policies.add(policy.key);
    }
    this.nodeAddresses = addressesOf(snapshot.node(this.nodeName));
    this.shared.recomputeAll(snapshot);
    return this.replan(snapshot, dirty);
  }

  update(snapshot: ClusterSnapshot, changes: Iterable<ObjectChange>): FirewallPlan {
    const previous = this.previous;
    if (previous === undefined) return this.full(snapshot);
    const changed = changedObjects(changes);
    const dirty: DirtyWork = { policies: new Set(changed.NetworkPolicy), pods: new Set() };
    if (changed.Node.has(this.nodeName)) this.nodeAddresses = addressesOf(snapshot.node(this.nodeName));
    for (const namespace of changed.Namespace) {
      this.shared.applyNamespaceChange(namespace, previous, snapshot);
      for (const policies of this.egressPortPolicies.values()) for (const key of policies) dirty.policies.add(key);
    }
    for (const key of changed.Pod) this.markPod(previous.pod(key), snapshot.pod(key), previous, snapshot, dirty);
    return this.replan(snapshot, dirty);
  }

  /** Applies one pod's change to the sets and indexes, and marks what it dirties. */
  private markPod(before: Pod | undefined, after: Pod | undefined, previous: ClusterSnapshot, current: ClusterSnapshot, dirty: DirtyWork): void {
    this.addressIndex?.update(before, after);
    this.portNameIndex?.update(before, after);
    this.shared.applyPodChange(before, after, previous, current);
    for (const name of new Set([...declaredPortNames(before), ...declaredPortNames(after)])) {
      for (const key of this.egressPortPolicies.get(name) ?? []) dirty.policies.add(key);
    }
    const local = [before, after].filter((pod): pod is Pod => pod?.nodeName === this.nodeName);
    for (const pod of local) {
      dirty.pods.add(pod.key);
      for (const policy of current.policiesInNamespace(pod.namespace)) {
        if (matchesSelector(policy.podSelector, pod.labels)) dirty.policies.add(policy.key);
      }
    }
    // A policy that selected the pod before and changed its selector in the same batch is
    // dirty through its own change already; one that still exists unchanged is found above.
  }

  private replan(snapshot: ClusterSnapshot, dirty: DirtyWork): FirewallPlan {
    const context = this.ruleContext(snapshot);
    for (const key of [...dirty.policies].sort(compareText)) this.replanPolicy(key, snapshot, context, dirty);
    this.shared.flush();
    for (const key of dirty.pods) this.replanPod(key, snapshot);
    this.previous = snapshot;
    this.plan = Object.freeze({
      node: this.nodeName,
      nodeAddresses: this.nodeAddresses,
      pods: this.pods.view(),
      policies: this.policies.view(),
      peerSets: this.peerSets.view(),
    });
    return this.plan;
  }

  private replanPolicy(key: string, snapshot: ClusterSnapshot, context: RuleContext, dirty: DirtyWork): void {
    const policy = snapshot.networkPolicy(key);
    const before = this.policyStates.get(key);
    const targets = policy === undefined ? [] : this.localTargets(snapshot, policy.namespace, policy.podSelector);
    for (const pod of before?.targets ?? []) dirty.pods.add(pod);
    for (const pod of targets) dirty.pods.add(pod.key);
    if (policy === undefined || targets.length === 0) {
      if (before !== undefined) this.forgetPolicy(key, before);
      return;
    }
    const planned = planPolicy(context, policy, targets);
    for (const definition of planned.sharedSets) {
      if (!before?.sharedSets.includes(definition.id)) this.shared.acquire(definition, snapshot);
    }
    const sharedIds = planned.sharedSets.map((definition) => definition.id);
    for (const id of before?.sharedSets ?? []) if (!sharedIds.includes(id)) this.shared.release(id);
    const namedIds = planned.namedPortSets.map((set) => set.id);
    for (const id of before?.namedPortSets ?? []) if (!namedIds.includes(id)) this.peerSets.delete(id);
    for (const set of planned.namedPortSets) this.peerSets.put(set.id, set);
    this.indexEgressPorts(key, before?.egressPortNames ?? [], planned.egressPortNames);
    this.policies.put(key, planned.fragment);
    this.policyStates.set(key, {
      targets: targets.map((pod) => pod.key),
      sharedSets: sharedIds,
      namedPortSets: namedIds,
      egressPortNames: planned.egressPortNames,
    });
  }

  private forgetPolicy(key: string, state: PolicyState): void {
    for (const id of state.sharedSets) this.shared.release(id);
    for (const id of state.namedPortSets) this.peerSets.delete(id);
    this.indexEgressPorts(key, state.egressPortNames, []);
    this.policies.delete(key);
    this.policyStates.delete(key);
  }

  private indexEgressPorts(policyKey: string, before: readonly string[], after: readonly string[]): void {
    for (const name of before) {
      const policies = this.egressPortPolicies.get(name);
      policies?.delete(policyKey);
      if (policies?.size === 0) this.egressPortPolicies.delete(name);
    }
    for (const name of after) {
      let policies = this.egressPortPolicies.get(name);
      if (policies === undefined) this.egressPortPolicies.set(name, (policies = new Set()));
      policies.add(policyKey);
    }
  }

  private replanPod(key: string, snapshot: ClusterSnapshot): void {
    const pod = snapshot.pod(key);
    if (pod === undefined || pod.nodeName !== this.nodeName || !isPolicyPod(pod)) {
      this.pods.delete(key);
      return;
    }
    const ingressPolicies: string[] = [];
    const egressPolicies: string[] = [];
    for (const policy of snapshot.policiesInNamespace(pod.namespace)) {
      if (!matchesSelector(policy.podSelector, pod.labels)) continue;
      if (policy.policyTypes.includes('Ingress')) ingressPolicies.push(policy.key);
      if (policy.policyTypes.includes('Egress')) egressPolicies.push(policy.key);
    }
    this.pods.put(key, {
      pod: key,
      ips: familyTagged(pod.podIPs),
      ingressPolicies: ingressPolicies.sort(compareText),
      egressPolicies: egressPolicies.sort(compareText),
    });
  }

  /** This node's policy pods of `namespace` that `selector` selects, sorted by key. */
  private localTargets(snapshot: ClusterSnapshot, namespace: string, selector: LabelSelector): Pod[] {
    return snapshot
      .podsOnNode(this.nodeName)
      .filter((pod) => pod.namespace === namespace && isPolicyPod(pod) && matchesSelector(selector, pod.labels));
  }

  private ruleContext(snapshot: ClusterSnapshot): RuleContext {
    return {
      snapshot,
      podsInCidr: (cidr) => (this.addressIndex ??= new PodAddressIndex(snapshot)).podsIn(cidr),
      podsDeclaring: (name, protocol) => (this.portNameIndex ??= new PodPortNameIndex(snapshot)).podsDeclaring(name, protocol),
    };
  }
}

function familyTagged(addresses: readonly string[]): FamilyAddress[] {
  return [...new Set(addresses)]
    .map((ip) => ({ ip, family: ipFamilyOf(ip) }))
    .sort((a, b) => compareAddresses(a.ip, b.ip));
}

/** A node's InternalIP and ExternalIP addresses, with families, sorted and distinct. */
function addressesOf(node: Node | undefined): FamilyAddress[] {
  if (node === undefined) return [];
  return familyTagged([...node.internalIPs, ...node.externalIPs]);
}
