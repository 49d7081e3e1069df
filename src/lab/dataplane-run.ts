import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { FirewallBackendName, ProxyBackendName } from '../agent/kernel-backends.js';
import { Lab, type LabEnvironmentOptions } from './lab.js';
import { PRIMARY_INTERFACE } from './names.js';
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
  /** `--masquerade-all` of the agents. */
  readonly masqueradeAll?: boolean | undefined;
  /** Ports every pod serves besides its own (see `TopologyOptions.extraPodPorts`). */
  readonly extraPodPorts?: readonly LabPort[] | undefined;
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
  const lab = await Lab.up(snapshot, {
    runner: options.runner,
    stateRoot: options.stateRoot,
    extraPodPorts: options.extraPodPorts,
    agents: {
      command: options.command,
      manifests: options.manifests,
      routeBackend: options.routeBackend ?? 'netlink',
      overlayEncap: 'vxlan',
      runRouter: true,
      runFirewall: options.firewallBackend !== undefined,
      firewallBackend: options.firewallBackend,
      runServiceProxy: options.proxyBackend !== undefined,
      proxyBackend: options.proxyBackend,
      clusterCIDRs: options.clusterCIDRs,
      masqueradeAll: options.masqueradeAll,
    },
  });
  const removeHandlers = lab.downOnSignals();
  try {
    if (options.proxyBackend !== undefined) await routeServiceAddresses(lab, snapshot);
    return await use(lab);
  } finally {
    removeHandlers();
    await lab.down();
  }
}

/**
 * Gives every node a route for the services' cluster and external IPs out of its uplink, as
 * a real node's default route would: a packet the proxy does not DNAT (a service without
 * endpoints) then reaches the forward hook, where the proxy rejects it, instead of failing
 * the route lookup before any rule sees it. (The lab's nodes on one subnet have no default
 * route, so that unrouted pod addresses stay unreachable.)
 */
export async function routeServiceAddresses(lab: Lab, snapshot: Pick<ClusterSnapshot, 'services'>): Promise<void> {
  const addresses = [...new Set(snapshot.services().flatMap((service) => [...service.clusterIPs, ...service.externalIPs]))];
  const lines = addresses.map((ip) => `route replace ${ip}${ip.includes(':') ? '/128' : '/32'} dev ${PRIMARY_INTERFACE}`);
  if (lines.length === 0) return;
  await Promise.all(lab.topology.nodes.map((node) => lab.exec(node.name, ['ip', '-batch', '-'], { input: `${lines.join('\n')}\n` })));
}
