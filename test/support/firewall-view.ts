import assert from 'node:assert/strict';
import type { FirewallPlan, FirewallRulePlan, PeerSet } from '../../src/core/plan/index.js';
import { compareCidrs, compareText, sortedUniqueAddresses } from '../../src/core/planner/common/addresses.js';

/** A rule with its set references expanded into the addresses and CIDRs they hold. */
export interface ResolvedRule {
  readonly peers:
    | { readonly any: true }
    | { readonly any: false; readonly podIPs: readonly string[]; readonly cidrs: readonly { cidr: string; except: readonly string[] }[] };
  readonly ports: readonly { protocol: string; port?: number; endPort?: number; podIPs?: readonly string[] }[];
}

/** A policy of a plan with its rules resolved. */
export interface ResolvedPolicy {
  readonly key: string;
  readonly policyTypes: readonly string[];
  readonly ingress: readonly ResolvedRule[];
  readonly egress: readonly ResolvedRule[];
}

function setOf(plan: FirewallPlan, id: string): PeerSet {
  const set = plan.peerSets.get(id);
  assert.ok(set, `the plan refers to set ${id}, which it does not hold`);
  return set;
}

/**
 * Expands a rule's set ids into what they match, so tests state peers as addresses and CIDRs
 * (what a reader checks by hand) while the plan itself carries set references.
 */
export function resolveRule(plan: FirewallPlan, rule: FirewallRulePlan): ResolvedRule {
  const ports = rule.ports.map((port) => {
    const { podSets, ...rest } = port;
    if (podSets === undefined) return rest;
    const podIPs = sortedUniqueAddresses(podSets.flatMap((id) => {
      const set = setOf(plan, id);
      return set.kind === 'pods' ? set.addresses : [];
    }));
    return { ...rest, podIPs };
  });
  if (rule.peers.any) return { peers: { any: true }, ports };
  const sets = rule.peers.sets.map((id) => setOf(plan, id));
  const podIPs = sortedUniqueAddresses(sets.flatMap((set) => (set.kind === 'pods' ? set.addresses : [])));
  const cidrs = sets
    .flatMap((set) => (set.kind === 'cidrs' ? [{ cidr: set.cidr, except: set.except }] : []))
    .sort((a, b) => compareCidrs(a.cidr, b.cidr) || compareText(a.except.join(' '), b.except.join(' ')));
  return { peers: { any: false, podIPs, cidrs }, ports };
}

/** Every policy of the plan, rules resolved. */
export function resolvedPolicies(plan: FirewallPlan): ResolvedPolicy[] {
  return plan.policies.values().map((policy) => ({
    key: policy.key,
    policyTypes: policy.policyTypes,
    ingress: policy.ingress.map((rule) => resolveRule(plan, rule)),
    egress: policy.egress.map((rule) => resolveRule(plan, rule)),
  }));
}

/** One policy of the plan, rules resolved; fails when the plan lacks it. */
export function resolvedPolicy(plan: FirewallPlan, key: string): ResolvedPolicy {
  const found = resolvedPolicies(plan).find((policy) => policy.key === key);
  assert.ok(found, `policy ${key} not in plan`);
  return found;
}
