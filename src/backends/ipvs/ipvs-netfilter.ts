/**
 * The netfilter half of the IPVS proxy: the ipsets and iptables rules of
 * `./ipvs-iptables-render.ts`, kept in step with the plan through the `CommandRunner`
 * (`ipset restore`, `iptables-restore --noflush -w`, in the namespace the runner runs in).
 *
 * @module
 */
import type { IPFamily } from '../../core/model/index.js';
import type { ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { shortCircuitPayload, shortCircuitRules, type ShortCircuitRule } from './ipvs-short-circuit.js';
import {
  IPVS_JUMPS,
  IPVS_MASQUERADE_MARK,
  IPVS_SET_ROLES,
  ipvsRulesPayload,
  ipvsRulesRemovalPayload,
  ipvsSetCreateLine,
  ipvsSetName,
  parseSetMember,
  planWideMembers,
  servicePortMembers,
  type SetMember,
} from './ipvs-iptables-render.js';

/** The sysctls kube-router sets for IPVS: netfilter conntrack of IPVS connections (masquerade needs it), and dropping connections of deleted real servers. */
export const IPVS_SYSCTLS: readonly string[] = ['net.ipv4.vs.conntrack=1', 'net.ipv4.vs.expire_nodest_conn=1', 'net.ipv4.vs.expire_quiescent_template=1'];

const PLAN_WIDE = '';

function circuitRulesOf(plan: ProxyPlan, servicePort: ServicePortPlan): ShortCircuitRule[] {
  return shortCircuitRules(plan, servicePort, (family) => ipvsSetName('pod-subnets', family), IPVS_MASQUERADE_MARK).rules;
}

/**
 * IPv4, and IPv6 where a frontend, a service CIDR (the refusal of its unallocated addresses)
 * or a cluster CIDR is: every plan-wide member needs its family's sets.
 */
function familiesOf(plan: ProxyPlan): IPFamily[] {
  const families = new Set<IPFamily>(['IPv4']);
  for (const servicePort of plan.servicePorts.values()) for (const frontend of servicePort.frontends) families.add(frontend.family);
  for (const cidr of [...plan.settings.serviceCIDRs, ...plan.settings.clusterCIDRs]) families.add(cidr.includes(':') ? 'IPv6' : 'IPv4');
  return [...families].sort();
}

/**
 * Keeps the IPVS proxy's sets and rules. The rules are constant and written on a full sync;
 * a service port change is a handful of set members added or deleted. Members are counted
 * (two service ports may share a VIP), and the memory changes only when the kernel took the
 * change.
 */
export class IpvsNetfilter {
  private readonly byKey = new Map<string, readonly SetMember[]>();
  private readonly counts = new Map<SetMember, number>();
  private families = new Set<IPFamily>();
  private lastLines = 0;
  /** Short-circuit rules by service port key (only those that have some). */
  private readonly circuits = new Map<string, readonly ShortCircuitRule[]>();

  /** The runner of the namespace the backend programs (DSR's rules and routes use it too). */
  readonly runner: CommandRunner;

  /** @param runner runs ipset, iptables-restore and sysctl in the namespace the backend programs */
  constructor(runner: CommandRunner) {
    this.runner = runner;
  }

  /** Lines of the ipset and iptables payloads the last {@link apply} sent (0: nothing written). */
  get lastPayloadLines(): number {
    return this.lastLines;
  }

  /**
   * Makes the sets hold what `plan` wants for service ports `keys`; with `full`, writes the
   * sysctls, sets, rules and jumps, and refills every set from the plan (repairing drift).
   */
  async apply(plan: ProxyPlan, keys: readonly string[], full: boolean): Promise<void> {
    if (full) {
      await this.writeFull(plan);
      return;
    }
    // Only the members of the touched service ports are counted again: an endpoint change
    // costs its own members, however many services the sets hold.
    const nextByKey = new Map<string, readonly SetMember[]>();
    const delta = new Map<SetMember, number>();
    const touchedFamilies = new Set<IPFamily>();
    const nextCircuits = new Map<string, readonly ShortCircuitRule[]>();
    const circuitFamilies = new Set<IPFamily>();
    for (const key of keys) {
      const servicePort = plan.servicePorts.get(key);
      const next = servicePort === undefined ? [] : servicePortMembers(plan, servicePort);
      for (const member of this.byKey.get(key) ?? []) delta.set(member, (delta.get(member) ?? 0) - 1);
      for (const member of next) delta.set(member, (delta.get(member) ?? 0) + 1);
      for (const frontend of servicePort?.frontends ?? []) touchedFamilies.add(frontend.family);
      nextByKey.set(key, next);
      const rules = servicePort === undefined ? [] : circuitRulesOf(plan, servicePort);
      const before = this.circuits.get(key) ?? [];
      if (JSON.stringify(rules) !== JSON.stringify(before)) {
        nextCircuits.set(key, rules);
        for (const rule of [...rules, ...before]) circuitFamilies.add(rule.family);
      }
    }
    if ([...touchedFamilies].some((family) => !this.families.has(family))) {
      await this.writeFull(plan);
      return;
    }
    const lines: string[] = [];
    const counts = new Map<SetMember, number>();
    for (const [member, change] of delta) {
      if (change === 0) continue;
      const before = this.counts.get(member) ?? 0;
      const after = before + change;
      counts.set(member, after);
      const { role, family, entry } = parseSetMember(member);
      if (before === 0 && after > 0) lines.push(`add ${ipvsSetName(role, family)} ${entry} -exist`);
      if (before > 0 && after <= 0) lines.push(`del ${ipvsSetName(role, family)} ${entry} -exist`);
    }
    let payloadLines = lines.length;
    if (lines.length > 0) await this.runner.run('ipset', ['restore'], { input: `${lines.join('\n')}\n` });
    if (circuitFamilies.size > 0) {
      // A short-circuit rule changed (never on an endpoint change): its family's chain is rewritten.
      const circuits = new Map(this.circuits);
      for (const [key, rules] of nextCircuits) {
        if (rules.length === 0) circuits.delete(key);
        else circuits.set(key, rules);
      }
      for (const family of [...circuitFamilies].sort()) payloadLines += await this.writeShortCircuit(family, circuits);
    }
    this.lastLines = payloadLines;
    for (const [key, rules] of nextCircuits) {
      if (rules.length === 0) this.circuits.delete(key);
      else this.circuits.set(key, rules);
    }
    for (const [key, next] of nextByKey) {
      if (next.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, next);
    }
    for (const [member, count] of counts) {
      if (count > 0) this.counts.set(member, count);
      else this.counts.delete(member);
    }
  }

  /** Removes the jumps, chains and sets (and nothing else). */
  async cleanup(): Promise<void> {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const tool = family === 'IPv4' ? 'iptables' : 'ip6tables';
      for (const jump of IPVS_JUMPS) {
        const args = ['-w', '-t', jump.table, '-D', jump.chain, '-j', jump.target];
        // Exit 1 or 2: no such rule or chain (or no such table): nothing to remove.
        for (;;) {
          const { exitCode } = await this.runner.run(tool, args, { allowedExitCodes: [1, 2, 3, 4] }).catch(() => ({ exitCode: 1 }));
          if (exitCode !== 0) break;
        }
      }
      await this.runner.run(`${tool}-restore`, ['--noflush', '-w'], { input: ipvsRulesRemovalPayload(), allowedExitCodes: [1, 2, 4] }).catch(() => undefined);
      const lines = IPVS_SET_ROLES.map((role) => `destroy ${ipvsSetName(role, family)}`);
      for (const line of lines) await this.runner.run('ipset', ['restore', '-exist'], { input: `${line}\n`, allowedExitCodes: [1] }).catch(() => undefined);
    }
    this.byKey.clear();
    this.counts.clear();
    this.circuits.clear();
    this.families.clear();
  }

  private async writeFull(plan: ProxyPlan): Promise<void> {
    await this.runner.run('sysctl', ['-q', '-w', ...IPVS_SYSCTLS]);
    const families = familiesOf(plan);
    const byKey = new Map<string, readonly SetMember[]>([[PLAN_WIDE, planWideMembers(plan)]]);
    const circuits = new Map<string, readonly ShortCircuitRule[]>();
    for (const servicePort of plan.servicePorts.values()) {
      byKey.set(servicePort.key, servicePortMembers(plan, servicePort));
      const rules = circuitRulesOf(plan, servicePort);
      if (rules.length > 0) circuits.set(servicePort.key, rules);
    }
    const counts = new Map<SetMember, number>();
    for (const members of byKey.values()) for (const member of members) counts.set(member, (counts.get(member) ?? 0) + 1);
    const lines: string[] = [];
    for (const family of families) {
      for (const role of IPVS_SET_ROLES) lines.push(ipvsSetCreateLine(role, family), `flush ${ipvsSetName(role, family)}`);
    }
    for (const member of counts.keys()) {
      const { role, family, entry } = parseSetMember(member);
      lines.push(`add ${ipvsSetName(role, family)} ${entry} -exist`);
    }
    await this.runner.run('ipset', ['restore'], { input: `${lines.join('\n')}\n` });
    let payloadLines = lines.length;
    for (const family of families) {
      const rules = ipvsRulesPayload(family);
      payloadLines += rules.split('\n').filter((line) => line !== '').length;
      const tool = family === 'IPv4' ? 'iptables' : 'ip6tables';
      await this.runner.run(`${tool}-restore`, ['--noflush', '-w'], { input: rules });
      payloadLines += await this.writeShortCircuit(family, circuits);
      for (const jump of IPVS_JUMPS) {
        const rule = ['-t', jump.table, '-C', jump.chain, '-j', jump.target];
        const { exitCode } = await this.runner.run(tool, ['-w', ...rule], { allowedExitCodes: [1] });
        if (exitCode !== 0) await this.runner.run(tool, ['-w', '-t', jump.table, '-I', jump.chain, '1', '-j', jump.target]);
      }
    }
    this.byKey.clear();
    for (const [key, members] of byKey) this.byKey.set(key, members);
    this.counts.clear();
    for (const [member, count] of counts) this.counts.set(member, count);
    this.families = new Set(families);
    this.circuits.clear();
    for (const [key, rules] of circuits) this.circuits.set(key, rules);
    this.lastLines = payloadLines;
  }

  /** Rewrites the short-circuit chain of one family with every rule of `circuits`; returns the lines sent. */
  private async writeShortCircuit(family: IPFamily, circuits: ReadonlyMap<string, readonly ShortCircuitRule[]>): Promise<number> {
    const lines = [...circuits.values()].flatMap((rules) => rules.filter((rule) => rule.family === family).map((rule) => rule.line));
    const payload = shortCircuitPayload(lines);
    await this.runner.run(`${family === 'IPv4' ? 'iptables' : 'ip6tables'}-restore`, ['--noflush', '-w'], { input: payload });
    return payload.split('\n').filter((line) => line !== '').length;
  }
}
