import type { IPFamily } from '../../../core/model/index.js';
import type { FirewallPlan, PodFirewall } from '../../../core/plan/firewall-plan.js';
import {
  builtinJump,
  dispatchRules,
  hasPodChain,
  podChainFragment,
  policyChainFragment,
  topChainFragments,
  type RenderProblems,
} from './chain-render.js';
import { EGRESS_DISPATCH, INGRESS_DISPATCH, TOP_CHAINS, podChain, policyChain } from './firewall-names.js';
import type { FilterTableState } from './kernel-readback.js';
import { jumpRepairLines } from './kernel-readback.js';
import { FilterTransaction } from './restore-payload.js';

/**
 * Which chains a sync replaces, removes and which dispatch rules it adds or deletes, for one
 * family: the whole table on a full sync, only the changed pods' and policies' chains
 * otherwise.
 *
 * @module
 */

const DIRECTIONS = ['ingress', 'egress'] as const;

/**
 * Every chain of `plan` for `family` replaced, owned chains the plan lacks removed, and the
 * built-in chains' jumps put back at the top when `kernel` shows them moved or missing.
 */
export function fullChainWork(plan: FirewallPlan, family: IPFamily, kernel: FilterTableState, problems: RenderProblems): FilterTransaction {
  const tx = new FilterTransaction();
  const wanted = new Set<string>();
  const replace = (fragment: { name: string; rules: readonly string[] }): void => {
    wanted.add(fragment.name);
    tx.replaceChain(fragment);
  };
  for (const top of topChainFragments()) replace(top);
  const dispatch: string[] = [];
  for (const policy of plan.policies.values()) {
    for (const direction of DIRECTIONS) replace(policyChainFragment(policy, direction, plan, family, problems));
  }
  for (const pod of plan.pods.values()) {
    for (const direction of DIRECTIONS) if (hasPodChain(pod, direction, family)) replace(podChainFragment(pod, direction, plan, family, problems));
    dispatch.push(...dispatchRules(pod, family, problems));
  }
  replace({ name: EGRESS_DISPATCH, rules: dispatch.filter((rule) => rule.startsWith(`-A ${EGRESS_DISPATCH} `)) });
  replace({ name: INGRESS_DISPATCH, rules: dispatch.filter((rule) => rule.startsWith(`-A ${INGRESS_DISPATCH} `)) });
  for (const { builtin, chain } of TOP_CHAINS) {
    tx.addLines(jumpRepairLines(builtin, chain, builtinJump(builtin, chain), kernel.builtinRules.get(builtin) ?? []));
  }
  for (const name of kernel.ownedChains) if (!wanted.has(name)) tx.removeChain(name);
  return tx;
}

function podChanges(tx: FilterTransaction, before: PodFirewall | undefined, after: PodFirewall | undefined, plan: FirewallPlan, family: IPFamily, problems: RenderProblems): void {
  // The previous pod's bad input was counted when it was programmed.
  const oldRules = dispatchRules(before, family);
  const newRules = dispatchRules(after, family, problems);
  for (const rule of oldRules) if (!newRules.includes(rule)) tx.deleteRule(rule);
  for (const rule of newRules) if (!oldRules.includes(rule)) tx.addLines([rule]);
  for (const direction of DIRECTIONS) {
    const had = before !== undefined && hasPodChain(before, direction, family);
    if (after !== undefined && hasPodChain(after, direction, family)) tx.replaceChain(podChainFragment(after, direction, plan, family, problems));
    else if (had) tx.removeChain(podChain(before.pod, direction));
  }
}

/** The keys changed and removed in each of a plan's fragment maps. */
export interface PlanChanges {
  readonly pods: { readonly changed: readonly string[]; readonly removed: readonly string[] };
  readonly policies: { readonly changed: readonly string[]; readonly removed: readonly string[] };
}

/**
 * The chains to rewrite from `previous` to `next` for `family`: changed policies' chains
 * replaced, removed ones deleted; changed and removed pods' chains and dispatch rules; and any
 * unchanged pod that still jumps to a removed policy rewritten without the jump.
 */
export function incrementalChainWork(previous: FirewallPlan, next: FirewallPlan, changes: PlanChanges, family: IPFamily, problems: RenderProblems): FilterTransaction {
  const tx = new FilterTransaction();
  for (const key of changes.policies.changed) {
    const policy = next.policies.get(key);
    if (policy !== undefined) for (const direction of DIRECTIONS) tx.replaceChain(policyChainFragment(policy, direction, next, family, problems));
  }
  const pods = new Set(changes.pods.changed);
  if (changes.policies.removed.length > 0) {
    const gone = new Set(changes.policies.removed);
    // Only when a policy went: the pods still naming it must lose their jump before -X.
    for (const pod of next.pods.values()) {
      if ([...pod.ingressPolicies, ...pod.egressPolicies].some((key) => gone.has(key))) pods.add(pod.pod);
    }
  }
  for (const key of pods) podChanges(tx, previous.pods.get(key), next.pods.get(key), next, family, problems);
  for (const key of changes.pods.removed) podChanges(tx, previous.pods.get(key), undefined, next, family, problems);
  for (const key of changes.policies.removed) for (const direction of DIRECTIONS) tx.removeChain(policyChain(key, direction));
  return tx;
}
