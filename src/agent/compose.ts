import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { FirewallBackend, ProxyBackend, RouteBackend } from '../core/backend/index.js';
import { FIREWALL_BACKEND, PROXY_BACKEND, ROUTE_BACKEND } from '../core/backend/index.js';
import { MockFirewallBackend, MockProxyBackend, MockRouteBackend } from '../backends/mock/index.js';
import { AGENT_CONFIG, NODE_NAME, type AgentConfig } from './agent-config.js';
import { NodeAgent } from './node-agent.js';

/** Makes the backends of one node; the agent calls it once per node it runs for. */
export interface BackendFactories {
  /** The route backend of `node`. */
  route(node: string): RouteBackend;
  /** The service proxy backend of `node`. */
  proxy(node: string): ProxyBackend;
  /** The firewall backend of `node`. */
  firewall(node: string): FirewallBackend;
}

/** The in-memory backends: what `npm start` and embedders' unit tests run on. */
export const mockBackends: BackendFactories = {
  route: () => new MockRouteBackend(),
  proxy: () => new MockProxyBackend(),
  firewall: () => new MockFirewallBackend(),
};

/**
 * The composition root: a child container per node holding that node's name, the config and
 * its backends, from which the `NodeAgent` is resolved. Dependency injection stays here, at the
 * edge; everything below takes its collaborators as plain constructor arguments.
 */
export function composeNodeAgent(
  node: string,
  config: AgentConfig,
  backends: BackendFactories,
  parent: DependencyContainer = rootContainer,
): NodeAgent {
  const scope = parent.createChildContainer();
  scope.register(NODE_NAME, { useValue: node });
  scope.register(AGENT_CONFIG, { useValue: config });
  scope.register(ROUTE_BACKEND, { useValue: backends.route(node) });
  scope.register(PROXY_BACKEND, { useValue: backends.proxy(node) });
  scope.register(FIREWALL_BACKEND, { useValue: backends.firewall(node) });
  return scope.resolve(NodeAgent);
}
