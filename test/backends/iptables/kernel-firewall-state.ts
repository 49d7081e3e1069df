import assert from 'node:assert/strict';
import type { CommandRunner } from '../../../src/core/ports/command-runner.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import type { IPFamily } from '../../../src/core/model/index.js';
import {
  dispatchRules,
  hasPodChain,
  podChainFragment,
  policyChainFragment,
  topChainFragments,
} from '../../../src/backends/iptables/firewall/chain-render.js';
import { EGRESS_DISPATCH, INGRESS_DISPATCH, isOwnedChain, isOwnedSet, nodeSetName, peerSetName } from '../../../src/backends/iptables/firewall/firewall-names.js';
import { setEntries } from '../../../src/backends/iptables/firewall/ipset-payload.js';

/** Rule counts per owned chain, and the jumps from built-ins, as the kernel holds them. */
export async function kernelChains(runner: CommandRunner, family: IPFamily): Promise<{ chains: Record<string, number>; jumps: string[] }> {
  const saved = (await runner.run(family === 'IPv4' ? 'iptables-save' : 'ip6tables-save', ['-t', 'filter'])).stdout;
  const chains: Record<string, number> = {};
  const jumps: string[] = [];
  for (const line of saved.split('\n')) {
    if (line.startsWith(':') && isOwnedChain(line.slice(1).split(' ')[0] ?? '')) chains[line.slice(1).split(' ')[0] as string] = 0;
    const chain = line.startsWith('-A ') ? (line.split(' ')[1] ?? '') : '';
    if (isOwnedChain(chain)) chains[chain] = (chains[chain] ?? 0) + 1;
    else if (chain !== '' && / -j KR-FW-/.test(line)) jumps.push(line);
  }
  return { chains, jumps };
}

/** Members of every owned set, from `ipset save`. */
export async function kernelSets(runner: CommandRunner): Promise<Record<string, string[]>> {
  const saved = (await runner.run('ipset', ['save'])).stdout;
  const sets: Record<string, string[]> = {};
  for (const line of saved.split('\n')) {
    const [verb, name, ...rest] = line.split(' ');
    if (name === undefined || !isOwnedSet(name)) continue;
    if (verb === 'create') sets[name] ??= [];
    if (verb === 'add') (sets[name] ??= []).push(rest.join(' '));
  }
  for (const members of Object.values(sets)) members.sort();
  return sets;
}

/** What the kernel must hold for `plan`: rule counts per chain (family) and set members. */
export function expectedChains(plan: FirewallPlan, family: IPFamily): Record<string, number> {
  const chains: Record<string, number> = {};
  for (const top of topChainFragments()) chains[top.name] = top.rules.length;
  const problems = { count: 0 };
  for (const policy of plan.policies.values()) {
    for (const direction of ['ingress', 'egress'] as const) {
      const fragment = policyChainFragment(policy, direction, plan, family, problems);
      chains[fragment.name] = fragment.rules.length;
    }
  }
  chains[EGRESS_DISPATCH] = 0;
  chains[INGRESS_DISPATCH] = 0;
  for (const pod of plan.pods.values()) {
    for (const direction of ['ingress', 'egress'] as const) {
      if (hasPodChain(pod, direction, family)) chains[podChainFragment(pod, direction, plan, family).name] = podChainFragment(pod, direction, plan, family).rules.length;
    }
    for (const rule of dispatchRules(pod, family)) {
      const chain = rule.split(' ')[1] as string;
      chains[chain] = (chains[chain] ?? 0) + 1;
    }
  }
  return chains;
}

/** Set members `plan` needs (node sets of `families` included). */
export function expectedSets(plan: FirewallPlan, families: readonly IPFamily[]): Record<string, string[]> {
  const sets: Record<string, string[]> = {};
  for (const family of families) sets[nodeSetName(family)] = plan.nodeAddresses.filter((a) => a.family === family).map((a) => a.ip).sort();
  for (const set of plan.peerSets.values()) if (families.includes(set.family)) sets[peerSetName(set)] = setEntries(set).sort();
  return sets;
}

/** Asserts that the kernel behind `runner` holds exactly what `plan` needs: chains, rule counts, jumps, set members. */
export async function assertKernelHolds(runner: CommandRunner, plan: FirewallPlan | undefined, families: readonly IPFamily[]): Promise<void> {
  for (const family of families) {
    const { chains, jumps } = await kernelChains(runner, family);
    if (plan === undefined) {
      assert.deepEqual({ chains, jumps }, { chains: {}, jumps: [] }, `${family}: nothing of the firewall left`);
      continue;
    }
    assert.deepEqual(chains, expectedChains(plan, family), `${family} chains and rule counts`);
    assert.deepEqual(jumps, ['-A INPUT -j KR-FW-INPUT', '-A FORWARD -j KR-FW-FORWARD', '-A OUTPUT -j KR-FW-OUTPUT'], `${family} jumps`);
  }
  assert.deepEqual(await kernelSets(runner), plan === undefined ? {} : expectedSets(plan, families), 'sets and members');
}
