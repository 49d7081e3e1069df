import { inject, injectable } from 'tsyringe';
import type { FirewallBackend, ProxyBackend, RouteBackend } from '../core/backend/index.js';
import { FIREWALL_BACKEND, PROXY_BACKEND, ROUTE_BACKEND } from '../core/backend/index.js';
import { ConcernController, type ReconcileResult } from '../core/controller/concern-controller.js';
import type { FirewallPlan, ProxyPlan, RoutePlan } from '../core/plan/index.js';
import { planFirewall, planRoutes, planServices } from '../core/planner/index.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import { AGENT_CONFIG, NODE_NAME, type AgentConfig } from './agent-config.js';

/** What one pass of a node agent programmed, per enabled concern. */
export interface NodeSyncResult {
  readonly node: string;
  readonly route?: ReconcileResult<RoutePlan> | undefined;
  readonly proxy?: ReconcileResult<ProxyPlan> | undefined;
  readonly firewall?: ReconcileResult<FirewallPlan> | undefined;
}

/**
 * The reference agent for one node: one controller per enabled concern, each joining the
 * concern's planner to the backend injected for it.
 */
@injectable()
export class NodeAgent {
  private readonly routeController?: ConcernController<RoutePlan> | undefined;
  private readonly proxyController?: ConcernController<ProxyPlan> | undefined;
  private readonly firewallController?: ConcernController<FirewallPlan> | undefined;

  constructor(
    @inject(NODE_NAME) readonly node: string,
    @inject(AGENT_CONFIG) config: AgentConfig,
    @inject(ROUTE_BACKEND) routeBackend: RouteBackend,
    @inject(PROXY_BACKEND) proxyBackend: ProxyBackend,
    @inject(FIREWALL_BACKEND) firewallBackend: FirewallBackend,
  ) {
    if (config.runRouter) {
      this.routeController = new ConcernController(
        'route',
        (snapshot) => planRoutes(snapshot, node, { clusterCIDRs: [...config.clusterCIDRs] }),
        routeBackend,
      );
    }
    if (config.runServiceProxy) {
      this.proxyController = new ConcernController(
        'proxy',
        (snapshot) =>
          planServices(snapshot, node, {
            clusterCIDRs: [...config.clusterCIDRs],
            masqueradeAll: config.masqueradeAll,
            nodePortAddresses: [...config.nodePortAddresses],
          }),
        proxyBackend,
      );
    }
    if (config.runFirewall) {
      this.firewallController = new ConcernController('firewall', (snapshot) => planFirewall(snapshot, node), firewallBackend);
    }
  }

  /** Reconciles every enabled concern once against `snapshot`, routes first. */
  async syncOnce(snapshot: ClusterSnapshot): Promise<NodeSyncResult> {
    return {
      node: this.node,
      route: await this.routeController?.reconcile(snapshot),
      proxy: await this.proxyController?.reconcile(snapshot),
      firewall: await this.firewallController?.reconcile(snapshot),
    };
  }

  /** Removes what every enabled concern's backend programmed. */
  async cleanup(): Promise<void> {
    for (const controller of [this.routeController, this.proxyController, this.firewallController]) {
      await controller?.backend.cleanup();
    }
  }
}
