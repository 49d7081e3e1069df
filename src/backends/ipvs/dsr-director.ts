/**
 * The DSR half of the IPVS proxy that runs commands (see `./ipvs-dsr.ts` for what and why):
 * the marking chain and the policy routing rules in the node's namespace, the tunnel link and
 * external IPs in each endpoint pod's namespace. The firewall-mark virtual services are the
 * reconciler's, from the marks held here.
 *
 * Incremental like the rest of the backend: the marking chain is rewritten and a rule added or
 * deleted only when a DSR frontend comes or goes, and a sync looks at the pods of the service
 * ports it writes, so an endpoint change of another service costs nothing here.
 *
 * @module
 */
import type { ProxyEndpoint, ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { DsrMarkLedger } from './dsr-marks.js';
import { frontendEndpoints } from './frontend-endpoints.js';
import {
  DSR_MARK_CHAIN,
  DSR_ROUTE_TABLE,
  DSR_RULE_PRIORITY,
  DSR_TUNNEL_INTERFACE,
  dsrDecision,
  dsrFrontendKey,
  dsrMarkPayload,
  dsrMarkRemovalPayload,
  markText,
  servicePortName,
  tunnelCreateCommand,
  tunnelPrepareCommands,
  vipAddCommand,
  vipRemoveCommand,
  type PodCommand,
} from './ipvs-dsr.js';

/**
 * The pod network port: a runner whose commands run inside the network namespace of the pod
 * behind `endpoint` (one of this node's), or undefined when the pod is not known here.
 */
export type PodNetwork = (endpoint: ProxyEndpoint) => CommandRunner | undefined;

/** One external IP in one pod: `podIP vip`. */
type PodVip = string;

function podVip(podIP: string, vip: string): PodVip {
  return `${podIP} ${vip}`;
}

function splitPodVip(pair: PodVip): [podIP: string, vip: string] {
  const [podIP = '', vip = ''] = pair.split(' ');
  return [podIP, vip];
}

async function runAll(runner: CommandRunner, commands: readonly PodCommand[]): Promise<void> {
  for (const { command, args, allowedExitCodes } of commands) await runner.run(command, args, allowedExitCodes === undefined ? {} : { allowedExitCodes });
}

/** Keeps the node's marking rules and routing and the pods' tunnels in step with the DSR frontends of a plan. */
export class DsrDirector {
  /** The firewall marks, by DSR frontend. */
  readonly marks = new DsrMarkLedger();
  private writtenPayload: string | undefined;
  private jumpReady = false;
  private routeReady = false;
  /** Marks with a policy routing rule. */
  private readonly rules = new Set<number>();
  /** Pod external IPs by owning service port, counted over owners. */
  private readonly pairsByOwner = new Map<string, readonly PodVip[]>();
  private readonly pairCounts = new Map<PodVip, number>();
  /** How many pairs (external IPs) each pod holds, by pod IP. */
  private readonly pairsByPod = new Map<string, number>();
  /** The latest runner of each pod, by pod IP. */
  private readonly pods = new Map<string, CommandRunner>();
  /** Pods whose tunnel link was made or checked (checked again on a full sync). */
  private readonly tunnels = new Set<string>();
  /** Skip lines by service port (pods that could not be set up). */
  private readonly podSkips = new Map<string, readonly string[]>();

  /**
   * @param runner runs iptables and ip in the node's namespace
   * @param podNetwork runs commands in endpoint pods' namespaces
   */
  constructor(
    private readonly runner: CommandRunner,
    private readonly podNetwork: PodNetwork,
  ) {}

  /** The pods that could not be set up for service port `key`, one line each. */
  skipsOf(key: string): readonly string[] {
    return this.podSkips.get(key) ?? [];
  }

  /** Takes and releases marks for the DSR frontends of service ports `keys` (before anything is written). */
  claim(plan: ProxyPlan | undefined, keys: readonly string[]): void {
    for (const key of keys) {
      const servicePort = plan?.servicePorts.get(key);
      this.marks.claim(key, servicePort === undefined ? [] : dsrDecision(servicePort, true).frontends);
    }
  }

  /**
   * Sets up the pods of service ports `keys`: each local endpoint of a DSR frontend gets the
   * tunnel and the external IP; an external IP no written service port needs any more is taken
   * off. A pod that cannot be reached is a skip line of its service port, not a failure.
   */
  async configurePods(plan: ProxyPlan, keys: readonly string[], full: boolean): Promise<void> {
    if (full) this.tunnels.clear();
    const removed: PodVip[] = [];
    for (const key of keys) {
      const servicePort = plan.servicePorts.get(key);
      const wanted = new Set<PodVip>();
      const skips: string[] = [];
      for (const frontend of servicePort?.frontends ?? []) {
        if (servicePort === undefined || frontend.ip === undefined || this.marks.markOf(dsrFrontendKey(frontend.ip, servicePort.protocol, frontend.port)) === undefined) continue;
        for (const endpoint of frontendEndpoints(servicePort, frontend).filter((one) => one.local)) {
          const runner = this.podNetwork(endpoint);
          if (runner === undefined) {
            skips.push(`${servicePortName(servicePort)}: DSR to ${frontend.ip}: the pod of endpoint ${endpoint.ip} is not known to the pod network port; its connections through the tunnel fail`);
            continue;
          }
          this.pods.set(endpoint.ip, runner);
          const pair = podVip(endpoint.ip, frontend.ip);
          if (wanted.has(pair)) continue;
          // Already set up for some service port: a partial sync sends nothing (a full one repairs).
          if (!full && this.pairCounts.has(pair)) {
            wanted.add(pair);
            continue;
          }
          const problem = await this.addToPod(endpoint.ip, frontend.ip, runner);
          if (problem === undefined) wanted.add(pair);
          else skips.push(`${servicePortName(servicePort)}: DSR to ${frontend.ip}: could not set up the pod of endpoint ${endpoint.ip} (${problem}); its connections through the tunnel fail`);
        }
      }
      for (const pair of this.pairsByOwner.get(key) ?? []) {
        const count = (this.pairCounts.get(pair) ?? 0) - 1;
        if (count > 0) this.pairCounts.set(pair, count);
        else {
          this.pairCounts.delete(pair);
          removed.push(pair);
        }
      }
      for (const pair of wanted) {
        const count = this.pairCounts.get(pair) ?? 0;
        this.pairCounts.set(pair, count + 1);
        if (count > 0 || removed.includes(pair)) continue;
        const [podIP] = splitPodVip(pair);
        this.pairsByPod.set(podIP, (this.pairsByPod.get(podIP) ?? 0) + 1);
      }
      if (wanted.size > 0) this.pairsByOwner.set(key, [...wanted]);
      else this.pairsByOwner.delete(key);
      if (skips.length > 0) this.podSkips.set(key, skips);
      else this.podSkips.delete(key);
    }
    for (const pair of removed) {
      if (this.pairCounts.has(pair)) continue;
      const [podIP, vip] = splitPodVip(pair);
      const runner = this.pods.get(podIP);
      // A pod that is gone took its namespace and addresses with it.
      if (runner !== undefined) await runAll(runner, [vipRemoveCommand(vip)]).catch(() => undefined);
      const left = (this.pairsByPod.get(podIP) ?? 1) - 1;
      if (left > 0) this.pairsByPod.set(podIP, left);
      else {
        // A pod that comes back with the same IP is a new namespace: its tunnel is made again.
        this.pairsByPod.delete(podIP);
        this.tunnels.delete(podIP);
      }
    }
  }

  /**
   * Makes the marking chain and the policy routing rules hold the marks of {@link marks}:
   * rules for new marks first, then the chain, then the rules of marks gone. With `full`,
   * the chain and jump are written whatever is remembered.
   */
  async writeRules(full: boolean): Promise<void> {
    const entries = this.marks.entries();
    const wanted = new Set(entries.map((entry) => entry.mark));
    if (full) {
      this.jumpReady = false;
      this.routeReady = false;
    }
    if (wanted.size > 0 && !this.routeReady) {
      await this.runner.run('ip', ['route', 'replace', 'local', 'default', 'dev', 'lo', 'table', DSR_ROUTE_TABLE]);
      this.routeReady = true;
    }
    for (const mark of [...wanted].sort((a, b) => a - b)) {
      if (this.rules.has(mark) && !full) continue;
      // Exit 2: the kernel has the rule already (EEXIST).
      await this.runner.run('ip', ['rule', 'add', 'priority', DSR_RULE_PRIORITY, 'fwmark', markText(mark), 'table', DSR_ROUTE_TABLE], { allowedExitCodes: [2] });
      this.rules.add(mark);
    }
    const payload = dsrMarkPayload(entries);
    // A node without DSR frontends gets no chain; one that had some keeps the emptied chain.
    if ((entries.length > 0 || this.writtenPayload !== undefined) && (full || payload !== this.writtenPayload)) {
      await this.runner.run('iptables-restore', ['--noflush', '-w'], { input: payload });
      this.writtenPayload = payload;
    }
    if (!this.jumpReady && this.writtenPayload !== undefined) {
      const { exitCode } = await this.runner.run('iptables', ['-w', '-t', 'mangle', '-C', 'PREROUTING', '-j', DSR_MARK_CHAIN], { allowedExitCodes: [1] });
      if (exitCode !== 0) await this.runner.run('iptables', ['-w', '-t', 'mangle', '-I', 'PREROUTING', '1', '-j', DSR_MARK_CHAIN]);
      this.jumpReady = true;
    }
    for (const mark of [...this.rules].sort((a, b) => a - b)) {
      if (wanted.has(mark)) continue;
      await this.runner.run('ip', ['rule', 'del', 'priority', DSR_RULE_PRIORITY, 'fwmark', markText(mark), 'table', DSR_ROUTE_TABLE], { allowedExitCodes: [2] });
      this.rules.delete(mark);
    }
  }

  /** Released marks may go to other frontends (after a sync that wrote everything). */
  settle(): void {
    this.marks.settle();
  }

  /**
   * Removes the jump and chain, every rule of the DSR table and its route, and the tunnel link
   * of every pod it set up (its external IPs go with it). Failures are ignored: what is gone is
   * fine.
   */
  async cleanup(): Promise<void> {
    for (;;) {
      const { exitCode } = await this.runner.run('iptables', ['-w', '-t', 'mangle', '-D', 'PREROUTING', '-j', DSR_MARK_CHAIN], { allowedExitCodes: [1, 2] }).catch(() => ({ exitCode: 1 }));
      if (exitCode !== 0) break;
    }
    await this.runner.run('iptables-restore', ['--noflush', '-w'], { input: dsrMarkRemovalPayload(), allowedExitCodes: [1, 2, 4] }).catch(() => undefined);
    // Also the rules of an earlier run this process never knew: one per deletion.
    for (let deleted = 0; deleted <= this.rules.size + 16384; deleted += 1) {
      const { exitCode } = await this.runner.run('ip', ['rule', 'del', 'priority', DSR_RULE_PRIORITY, 'table', DSR_ROUTE_TABLE], { allowedExitCodes: [2] }).catch(() => ({ exitCode: 2 }));
      if (exitCode !== 0) break;
    }
    await this.runner.run('ip', ['route', 'flush', 'table', DSR_ROUTE_TABLE], { allowedExitCodes: [1, 2] }).catch(() => undefined);
    for (const runner of this.pods.values()) {
      await runner.run('ip', ['link', 'del', DSR_TUNNEL_INTERFACE], { allowedExitCodes: [1] }).catch(() => undefined);
    }
    this.marks.clear();
    this.writtenPayload = undefined;
    this.jumpReady = false;
    this.routeReady = false;
    this.rules.clear();
    this.pairsByOwner.clear();
    this.pairCounts.clear();
    this.pairsByPod.clear();
    this.pods.clear();
    this.tunnels.clear();
    this.podSkips.clear();
  }

  /** The tunnel (made once per pod) and the external IP; the error text when a command failed. */
  private async addToPod(podIP: string, vip: string, runner: CommandRunner): Promise<string | undefined> {
    try {
      if (!this.tunnels.has(podIP)) {
        const { exitCode } = await runner.run('ip', ['link', 'show', 'dev', DSR_TUNNEL_INTERFACE], { allowedExitCodes: [1] });
        await runAll(runner, [...(exitCode === 0 ? [] : [tunnelCreateCommand(podIP)]), ...tunnelPrepareCommands()]);
        this.tunnels.add(podIP);
      }
      await runAll(runner, [vipAddCommand(vip)]);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
