/**
 * `kube-router/agent`: the reference node agent. {@link composeNodeAgent} builds a
 * {@link NodeAgent} for one node from an {@link AgentConfig}, the backends' factories, the
 * planners ({@link defaultPlanners}) and a runtime (clock, metrics, observer), through a
 * tsyringe container.
 *
 * This entry point loads `reflect-metadata`, which tsyringe needs and which patches the global
 * `Reflect`; the root entry `kube-router` does not, so embedders who compose their own loops
 * from the store, planners and controllers never load it.
 *
 * @module kube-router/agent
 */
import 'reflect-metadata';

export * from './agent-config.js';
export * from './agent-runtime.js';
export * from './planners.js';
export * from './node-agent.js';
export * from './compose.js';
export {
  NetlinkRouteBackend,
  type KernelOperations,
  type NetlinkRouteBackendOptions,
} from '../backends/netlink/netlink-route-backend.js';
