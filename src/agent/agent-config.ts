import type { ControllerTimings } from '../core/controller/controller-types.js';
import type { TunnelType } from '../core/plan/route-plan.js';

/**
 * The reference agent's configuration, named after kube-router's flags where the meaning is
 * the same (`--run-router`, `--cluster-cidr`, ...).
 */
export interface AgentConfig {
  /** Program routes to other nodes' pod subnets (`--run-router`). */
  readonly runRouter: boolean;
  /** Program NetworkPolicy rules (`--run-firewall`). */
  readonly runFirewall: boolean;
  /** Program the service proxy (`--run-service-proxy`). */
  readonly runServiceProxy: boolean;
  /** The cluster's pod CIDRs (`--cluster-cidr`, comma-separated for dual-stack). */
  readonly clusterCIDRs: readonly string[];
  /** The service cluster IP ranges (`--service-cluster-ip-range`). */
  readonly serviceClusterIPRanges: readonly string[];
  /** Masquerade all traffic to service VIPs (`--masquerade-all`). */
  readonly masqueradeAll: boolean;
  /** Addresses NodePorts listen on (`--nodeport-bindon-all-ip` is the default: empty). */
  readonly nodePortAddresses: readonly string[];
  /**
   * This node's underlay subnets (the networks of the interface holding its InternalIP, e.g.
   * `192.168.1.100/24`): nodes inside are reached directly, others through tunnels when the
   * overlay is on. Empty or absent: every node counts as on this node's subnet.
   */
  readonly underlayCIDRs?: readonly string[] | undefined;
  /** Tunnel to nodes off this node's subnets (`--enable-overlay`); default true. */
  readonly enableOverlay?: boolean | undefined;
  /** `subnet` tunnels only across subnets, `full` to every node (`--overlay-type`); default `subnet`. */
  readonly overlayType?: 'subnet' | 'full' | undefined;
  /** The tunnel encapsulation (`--overlay-encap`); default `ipip`, as in kube-router. */
  readonly overlayEncap?: TunnelType | undefined;
  /**
   * How often each concern's controller may reconcile, resyncs in full and retries
   * (kube-proxy's `--min-sync-period`; kube-router's `--routes-sync-period`,
   * `--iptables-sync-period`, `--ipvs-sync-period`). Defaults: at most one reconcile a
   * second, a full resync every 5 minutes, retries after 1 s doubling up to 60 s.
   */
  readonly timings?: ControllerTimings | undefined;
}

/** Injection token for the `AgentConfig` (tsyringe). */
export const AGENT_CONFIG = Symbol.for('kube-router.AgentConfig');

/** Injection token for the name of the node an agent runs for. */
export const NODE_NAME = Symbol.for('kube-router.NodeName');
