import type { FirewallPlan, ProxyPlan, RoutePlan } from '../core/plan/index.js';
import type { ConcernPlanner } from '../core/planner/concern-planner.js';
import {
  FirewallPlanner,
  RoutePlanner,
  ServicePlanner,
  type ProxyPlanOptions,
  type RoutePlanOptions,
} from '../core/planner/index.js';
import type { AgentConfig } from './agent-config.js';

/** Makes the planners of one node's controllers; the agent calls each once, for an enabled concern. */
export interface PlannerFactory {
  /** The route planner of `node`. */
  route(node: string, config: AgentConfig): ConcernPlanner<RoutePlan>;
  /** The service proxy planner of `node`. */
  proxy(node: string, config: AgentConfig): ConcernPlanner<ProxyPlan>;
  /** The firewall planner of `node`. */
  firewall(node: string, config: AgentConfig): ConcernPlanner<FirewallPlan>;
}

/** Injection token for the agent's {@link PlannerFactory} (tsyringe). */
export const PLANNER_FACTORY = Symbol.for('kube-router.PlannerFactory');

/** The route planner's options from the agent's config. */
export function routePlanOptions(config: AgentConfig): RoutePlanOptions {
  return {
    clusterCIDRs: [...config.clusterCIDRs],
    ...(config.underlayCIDRs === undefined ? {} : { underlayCIDRs: [...config.underlayCIDRs] }),
    ...(config.enableOverlay === undefined ? {} : { enableOverlay: config.enableOverlay }),
    ...(config.overlayType === undefined ? {} : { overlayType: config.overlayType }),
    ...(config.overlayEncap === undefined ? {} : { tunnelType: config.overlayEncap }),
  };
}

/** The service proxy planner's options from the agent's config. */
export function proxyPlanOptions(config: AgentConfig): ProxyPlanOptions {
  return {
    clusterCIDRs: [...config.clusterCIDRs],
    serviceCIDRs: [...config.serviceClusterIPRanges],
    masqueradeAll: config.masqueradeAll,
    nodePortAddresses: [...config.nodePortAddresses],
  };
}

/**
 * The planners the agent uses unless told otherwise: the incremental planners of
 * `src/core/planner`, one per concern and node, kept between reconciles so that a change
 * replans only the fragments it touches. (`fullPlanner` wraps a custom pure planner instead.)
 */
export const defaultPlanners: PlannerFactory = {
  route: (node, config) => new RoutePlanner(node, routePlanOptions(config)),
  proxy: (node, config) => new ServicePlanner(node, proxyPlanOptions(config)),
  firewall: (node) => new FirewallPlanner(node),
};
