import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { FirewallBackendName, ProxyBackendName } from '../agent/kernel-backends.js';
import { LabError } from './errors.js';
import { requireKernelFeature } from './kernel-features.js';
import { Lab, type LabEnvironmentOptions } from './lab.js';
import { PRIMARY_INTERFACE } from './names.js';
import {
  AGENT_READY_TIMEOUT_MS,
  agentSettingsOf,
  startNodeAgent,
  waitForAgentsReady,
  writeRunManifests,
  type LabAgentOptions,
} from './node-agents.js';
import { readRunState, writeRunState, type LabAgentRecord } from './run-state.js';
import type { LabPort } from './topology.js';

/** How `simulate --dataplane` runs the lab: the reference agent in every node, with these backends. */
export interface DataplaneLabOptions extends LabEnvironmentOptions {
  /** This CLI as an argv prefix (`node [loader flags] .../main.js`). */
  readonly command: readonly string[];
  /** The manifests (files or directories) the agents watch. */
  readonly manifests: readonly string[];
  /** Route backend of the agents; default netlink (pods on other nodes need kernel routes). */
  readonly routeBackend?: 'netlink' | 'mock' | undefined;
  /** Run the firewall with this backend. */
  readonly firewallBackend?: FirewallBackendName | undefined;
  /** Run the service proxy with this backend. */
  readonly proxyBackend?: ProxyBackendName | undefined;
  /** `--cluster-cidr` of the agents; default the lab's pod CIDRs. */
  readonly clusterCIDRs?: readonly string[] | undefined;
  /** `--service-cluster-ip-range` of the agents: addresses there that no service holds are refused. */
  readonly serviceClusterIPRanges?: readonly string[] | undefined;
  /** `--masquerade-all` of the agents. */
  readonly masqueradeAll?: boolean | undefined;
  /** Ports every pod serves besides its own (see `TopologyOptions.extraPodPorts`). */
  readonly extraPodPorts?: readonly LabPort[] | undefined;
  /**
   * Longest wait for every agent's first sync; default {@link AGENT_READY_TIMEOUT_MS}. Under
   * the kernel VM's emulation both agents start and sync on one slow CPU.
   */
  readonly agentReadyTimeoutMs?: number | undefined;
}

/**
 * Brings `snapshot` up with the agents `options` asks for, waits for their first sync, runs
 * `use`, and tears everything down: after `use` returns or throws, and on SIGINT/SIGTERM.
 */
export async function withDataplaneLab<T>(
  snapshot: Pick<ClusterSnapshot, 'nodes' | 'pods' | 'services'>,
  options: DataplaneLabOptions,
  use: (lab: Lab) => Promise<T>,
): Promise<T> {
  if (options.proxyBackend === 'ipvs') {
    await requireKernelFeature('ipvs', 'the ipvs proxy backend', 'use --dataplane nftables or iptables, or run it in the kernel VM (kube-router lab vm)', options.runner);
  }
  // The lab first, then its agents here rather than by `Lab.up`: the wait for their first
  // sync is this run's to choose.
  const lab = await Lab.up(snapshot, { runner: options.runner, stateRoot: options.stateRoot, extraPodPorts: options.extraPodPorts });
  const removeHandlers = lab.downOnSignals();
  try {
    await startAgents(lab, {
      command: options.command,
      manifests: options.manifests,
      routeBackend: options.routeBackend ?? 'netlink',
      overlayEncap: 'vxlan',
      runRouter: true,
      runFirewall: options.firewallBackend !== undefined,
      firewallBackend: options.firewallBackend,
      runServiceProxy: options.proxyBackend !== undefined,
      proxyBackend: options.proxyBackend,
      // The planners tell pod traffic from other traffic by the cluster CIDR: the lab's pod CIDRs.
      clusterCIDRs: options.clusterCIDRs ?? [...new Set(lab.topology.nodes.flatMap((node) => node.podCIDRs))],
      masqueradeAll: options.masqueradeAll,
      serviceClusterIPRanges: options.serviceClusterIPRanges,
    }, options.agentReadyTimeoutMs ?? AGENT_READY_TIMEOUT_MS);
    if (options.proxyBackend !== undefined) await routeServiceAddresses(lab, snapshot, options.serviceClusterIPRanges);
    return await use(lab);
  } finally {
    removeHandlers();
    await lab.down();
  }
}

/**
 * Starts the reference agent in every node of `lab`, as `Lab.up` does with `agents`, each
 * recorded in the run state as soon as it runs (so `down` stops it even after a failure half
 * way), and waits up to `timeoutMs` for their first syncs.
 */
async function startAgents(lab: Lab, options: LabAgentOptions, timeoutMs: number): Promise<void> {
  const settings = agentSettingsOf(options);
  await writeRunManifests(lab.runDir, options.manifests);
  const agents: LabAgentRecord[] = [];
  for (const node of lab.topology.nodes) {
    agents.push(await startNodeAgent(lab.runDir, node, settings));
    const state = await readRunState(lab.runDir);
    if (state === undefined) throw new LabError(`lab run ${lab.runId} lost its state under ${lab.runDir}`);
    await writeRunState(lab.runDir, { ...state, agentSettings: settings, agents: [...agents] });
  }
  await waitForAgentsReady(agents, timeoutMs);
}

/**
 * Gives every node a route for the services' cluster IPs, external IPs and load balancer
 * ingress IPs, and the whole `serviceCIDRs`, out of its uplink, as
 * a real node's default route would: a packet the proxy does not DNAT (a service without
 * endpoints) then reaches the forward hook, where the proxy rejects it, instead of failing
 * the route lookup before any rule sees it. (The lab's nodes on one subnet have no default
 * route, so that unrouted pod addresses stay unreachable.)
 */
export async function routeServiceAddresses(
  lab: Lab,
  snapshot: Pick<ClusterSnapshot, 'services'>,
  serviceCIDRs: readonly string[] = [],
): Promise<void> {
  const addresses = [...new Set(snapshot.services().flatMap((service) => [
    ...service.clusterIPs,
    ...service.externalIPs,
    ...service.loadBalancerIngress.flatMap((ingress) => (ingress.ip === undefined ? [] : [ingress.ip])),
  ]))];
  const lines = [
    ...serviceCIDRs.map((cidr) => `route replace ${cidr} dev ${PRIMARY_INTERFACE}`),
    ...addresses.map((ip) => `route replace ${ip}${ip.includes(':') ? '/128' : '/32'} dev ${PRIMARY_INTERFACE}`),
  ];
  if (lines.length === 0) return;
  await Promise.all(lab.topology.nodes.map((node) => lab.exec(node.name, ['ip', '-batch', '-'], { input: `${lines.join('\n')}\n` })));
}
