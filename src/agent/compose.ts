import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { FirewallBackend, ProxyBackend, RouteBackend } from '../core/backend/index.js';
import { FIREWALL_BACKEND, PROXY_BACKEND, ROUTE_BACKEND } from '../core/backend/index.js';
import { NetlinkRouteBackend, type NetlinkRouteBackendOptions } from '../backends/netlink/netlink-route-backend.js';
import type { CommandRunner } from '../core/ports/command-runner.js';
import type { NetlinkPort } from '../core/ports/netlink.js';
import { AGENT_CONFIG, NODE_NAME, type AgentConfig } from './agent-config.js';
import { AGENT_RUNTIME, type AgentRuntime } from './agent-runtime.js';
import { NodeAgent } from './node-agent.js';
import { defaultPlanners, PLANNER_FACTORY, type PlannerFactory } from './planners.js';

/** Makes the backends of one node; the agent calls it once per node it runs for. */
export interface BackendFactories {
  /** The route backend of `node`. */
  route(node: string): RouteBackend;
  /** The service proxy backend of `node`. */
  proxy(node: string): ProxyBackend;
  /** The firewall backend of `node`. */
  firewall(node: string): FirewallBackend;
}

/** Re-exported from `kube-router/mock`, where it is defined, so `kube-router/agent` keeps it. */
export { mockBackends } from '../backends/mock/index.js';

/**
 * `base` with routes programmed in the kernel by a {@link NetlinkRouteBackend} over `port`
 * (which programs the network namespace it was opened in: an agent running on the node, or in
 * the node's namespace, opens the real `RtnetlinkPort` there) and `runner` (for `nft`).
 */
export function withNetlinkRoutes(
  base: BackendFactories,
  port: NetlinkPort,
  runner: CommandRunner,
  options: NetlinkRouteBackendOptions = {},
): BackendFactories {
  return { ...base, route: () => new NetlinkRouteBackend(port, runner, options) };
}

/** Options of {@link composeNodeAgent}. */
export interface ComposeOptions {
  /** The container the node's scope is a child of; tsyringe's root container by default. */
  readonly parent?: DependencyContainer | undefined;
  /** The planners; {@link defaultPlanners} by default. */
  readonly planners?: PlannerFactory | undefined;
  /** Clock, metrics and observer of the controllers. */
  readonly runtime?: AgentRuntime | undefined;
}

/**
 * The composition root: a child container per node holding that node's name, the config, its
 * planners, runtime and backends, from which the `NodeAgent` is resolved. Dependency
 * injection stays here, at the edge; everything below takes its collaborators as plain
 * constructor arguments. A backend is made only for an enabled concern, so a firewall-only
 * agent never constructs a route backend.
 */
export function composeNodeAgent(
  node: string,
  config: AgentConfig,
  backends: BackendFactories,
  options: ComposeOptions = {},
): NodeAgent {
  const scope = (options.parent ?? rootContainer).createChildContainer();
  scope.register(NODE_NAME, { useValue: node });
  scope.register(AGENT_CONFIG, { useValue: config });
  scope.register(PLANNER_FACTORY, { useValue: options.planners ?? defaultPlanners });
  scope.register(AGENT_RUNTIME, { useValue: options.runtime ?? {} });
  scope.register(ROUTE_BACKEND, { useFactory: instanceCachingFactory(() => backends.route(node)) });
  scope.register(PROXY_BACKEND, { useFactory: instanceCachingFactory(() => backends.proxy(node)) });
  scope.register(FIREWALL_BACKEND, { useFactory: instanceCachingFactory(() => backends.firewall(node)) });
  scope.register(NodeAgent, {
    useFactory: (resolver) => {
      const agentConfig = resolver.resolve<AgentConfig>(AGENT_CONFIG);
      return new NodeAgent({
        node: resolver.resolve<string>(NODE_NAME),
        config: agentConfig,
        backends: {
          route: agentConfig.runRouter ? resolver.resolve<RouteBackend>(ROUTE_BACKEND) : undefined,
          proxy: agentConfig.runServiceProxy ? resolver.resolve<ProxyBackend>(PROXY_BACKEND) : undefined,
          firewall: agentConfig.runFirewall ? resolver.resolve<FirewallBackend>(FIREWALL_BACKEND) : undefined,
        },
        planners: resolver.resolve<PlannerFactory>(PLANNER_FACTORY),
        runtime: resolver.resolve<AgentRuntime>(AGENT_RUNTIME),
      });
    },
  });
  return scope.resolve(NodeAgent);
}
