import type { IPFamily } from '../../../core/model/index.js';
import type { FirewallPlan, FirewallRulePlan, PodFirewall, PolicyPlan } from '../../../core/plan/firewall-plan.js';
import { addressOrSkip } from './address-text.js';
import {
  ALLOW_MARK,
  CLEAR_ALLOW_MARK,
  EGRESS_DISPATCH,
  INGRESS_DISPATCH,
  NFLOG_GROUP,
  TOP_CHAINS,
  nodeSetName,
  podChain,
  policyChain,
  type ChainDirection,
} from './firewall-names.js';
import type { RenderProblems } from './render-problems.js';
import { skipInput } from './render-problems.js';
import { commentMatch, portMatchOrSkip, setMatch, setNamesOf } from './rule-text.js';

export type { RenderProblems } from './render-problems.js';

/**
 * Renders one chain at a time (a policy's, a pod's, the top and dispatch chains) as the
 * `-A` lines of an iptables-restore payload. A chain's lines depend only on its fragment and
 * the names of the sets it refers to, so a sync rewrites exactly the chains whose fragment
 * changed. Bad input (an address that is none, an unknown protocol, a bad port range, a
 * reference to a set or policy the plan lacks) is left out, failing closed, and counted in the
 * `problems` given.
 *
 * @module
 */

/** Mark a pod chain sets on traffic it let through; the top chains accept it (as kube-router's 0x20000). */
export const PASSED_MARK = '0x20000/0x20000';

/** One chain's full content: declared (created, or flushed when it exists) then filled. */
export interface ChainFragment {
  readonly name: string;
  readonly rules: readonly string[];
}

function ruleLines(chain: string, rule: FirewallRulePlan, direction: ChainDirection, plan: FirewallPlan, family: IPFamily, problems: RenderProblems): string[] {
  const side = direction === 'ingress' ? 'src' : 'dst';
  const owner = `policy chain ${chain}`;
  const peers = rule.peers.any ? [''] : setNamesOf(plan, rule.peers.sets, family, problems, owner).map((name) => ` ${setMatch(name, side)}`);
  const ports: string[] = [];
  if (rule.ports.length === 0) ports.push('');
  for (const port of rule.ports) {
    const text = portMatchOrSkip(port, problems, owner);
    // A skipped port allows nothing: the rule keeps only its other ports (none: no line at all).
    if (text === undefined) continue;
    const match = ` ${text}`;
    if (port.podSets === undefined) ports.push(match);
    // A named port: only to the destination pods that declare it with this number.
    else for (const name of setNamesOf(plan, port.podSets, family, problems, owner)) ports.push(` ${setMatch(name, 'dst')}${match}`);
  }
  const lines: string[] = [];
  for (const peer of peers) for (const port of ports) lines.push(`-A ${chain}${peer}${port} -j MARK --set-xmark ${ALLOW_MARK}`);
  if (lines.length > 0) lines.push(`-A ${chain} -m mark --mark ${ALLOW_MARK} -j RETURN`);
  return lines;
}

/** The chain of `policy`'s rules of one direction: each matching rule sets the allow mark. */
export function policyChainFragment(policy: PolicyPlan, direction: ChainDirection, plan: FirewallPlan, family: IPFamily, problems: RenderProblems): ChainFragment {
  const name = policyChain(policy.key, direction);
  const rules = direction === 'ingress' ? policy.ingress : policy.egress;
  return { name, rules: rules.flatMap((rule) => ruleLines(name, rule, direction, plan, family, problems)) };
}

/**
 * The addresses of `pod` of `family`, as `/32` or `/128`; one that is no address of its family
 * is left out (no packet carries it) and counted in `problems`.
 */
export function podHosts(pod: PodFirewall, family: IPFamily, problems?: RenderProblems): string[] {
  const where = `pod chains of ${podChain(pod.pod, 'ingress')}`;
  return pod.ips
    .filter((ip) => ip.family === family)
    .flatMap((ip) => {
      const address = addressOrSkip(ip.ip, family, problems, where);
      return address === undefined ? [] : [`${address}/${family === 'IPv4' ? 32 : 128}`];
    });
}

function policiesOf(pod: PodFirewall, direction: ChainDirection): readonly string[] {
  return direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
}

/** True when `pod` has a chain for `direction` in `family`: isolated, and with an address there. */
export function hasPodChain(pod: PodFirewall, direction: ChainDirection, family: IPFamily): boolean {
  return policiesOf(pod, direction).length > 0 && pod.ips.some((ip) => ip.family === family);
}

/**
 * The chain of one isolated pod in one direction: replies accepted, invalid packets dropped,
 * the node and the pod itself let in, then the policies' chains; what none of them marked is
 * logged (rate limited) and rejected. Passed traffic is marked for the top chain to accept.
 */
export function podChainFragment(pod: PodFirewall, direction: ChainDirection, plan: FirewallPlan, family: IPFamily, problems?: RenderProblems): ChainFragment {
  const name = podChain(pod.pod, direction);
  const hosts = podHosts(pod, family, problems);
  const rules = [
    `-A ${name} ${commentMatch(`${direction} of ${pod.pod}`)} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${name} -m conntrack --ctstate INVALID -j DROP`,
  ];
  if (direction === 'ingress') {
    rules.push(`-A ${name} ${setMatch(nodeSetName(family), 'src')} -j ACCEPT`);
    rules.push(`-A ${name} -m addrtype --src-type LOCAL -j ACCEPT`);
    for (const host of hosts) rules.push(`-A ${name} -s ${host} -j ACCEPT`);
  } else {
    for (const host of hosts) rules.push(`-A ${name} -d ${host} -j ACCEPT`);
  }
  for (const key of policiesOf(pod, direction)) {
    // A policy the plan does not hold allows nothing: no jump (fail closed).
    if (plan.policies.has(key)) rules.push(`-A ${name} -j ${policyChain(key, direction)}`);
    else skipInput(problems, `pod chain ${name}: refers to a policy that is not in the plan; that jump is skipped`);
  }
  rules.push(
    `-A ${name} -m mark ! --mark ${ALLOW_MARK} -m limit --limit 10/minute --limit-burst 10 -j NFLOG --nflog-group ${NFLOG_GROUP}`,
    `-A ${name} -m mark ! --mark ${ALLOW_MARK} -j REJECT`,
    `-A ${name} -j MARK --set-xmark ${CLEAR_ALLOW_MARK}`,
    `-A ${name} -j MARK --set-xmark ${PASSED_MARK}`,
  );
  return { name, rules };
}

/** The rules in the dispatch chains sending `pod`'s traffic to its chains (none for a pod not isolated). */
export function dispatchRules(pod: PodFirewall | undefined, family: IPFamily, problems?: RenderProblems): string[] {
  if (pod === undefined) return [];
  const rules: string[] = [];
  for (const direction of ['egress', 'ingress'] as const) {
    if (!hasPodChain(pod, direction, family)) continue;
    const chain = podChain(pod.pod, direction);
    for (const host of podHosts(pod, family, problems)) {
      rules.push(direction === 'egress' ? `-A ${EGRESS_DISPATCH} -s ${host} -j ${chain}` : `-A ${INGRESS_DISPATCH} -d ${host} -j ${chain}`);
    }
  }
  return rules;
}

/**
 * The top chains (jumped to from INPUT, FORWARD, OUTPUT): egress checks where a pod's packets
 * leave it (to the node, or forwarded), ingress checks where they reach a pod (forwarded, or
 * from the node itself); then what a pod chain passed is accepted.
 */
export function topChainFragments(): ChainFragment[] {
  const dispatch: Record<string, string[]> = {
    'KR-FW-INPUT': [EGRESS_DISPATCH],
    'KR-FW-FORWARD': [EGRESS_DISPATCH, INGRESS_DISPATCH],
    'KR-FW-OUTPUT': [INGRESS_DISPATCH],
  };
  return TOP_CHAINS.map(({ chain }) => ({
    name: chain,
    rules: [
      ...(dispatch[chain] ?? []).map((target) => `-A ${chain} -j ${target}`),
      `-A ${chain} ${commentMatch('accept traffic the pod chains passed')} -m mark --mark ${PASSED_MARK} -j ACCEPT`,
    ],
  }));
}

/** The jump from a built-in chain to its top chain, as `iptables-save` prints it. */
export function builtinJump(builtin: string, chain: string): string {
  return `-A ${builtin} -j ${chain}`;
}
