/**
 * The `kube-router/mock` entry point: in-memory backends for embedders' unit tests, and the
 * `RecordingCommandRunner` for testing custom kernel backends without a kernel, and
 * {@link mockBackends}, the backend factories to hand `composeNodeAgent` of `kube-router/agent`.
 *
 * @module kube-router/mock
 */
import type { BackendFactories } from '../../agent/compose.js';
import { MockFirewallBackend } from './mock-firewall-backend.js';
import { MockProxyBackend } from './mock-proxy-backend.js';
import { MockRouteBackend } from './mock-route-backend.js';

export { MockBackend, type MockPlanShape } from './mock-backend.js';
export type { PlanParts } from './plan-fragments.js';
export { MockProxyBackend } from './mock-proxy-backend.js';
export { MockFirewallBackend } from './mock-firewall-backend.js';
export { MockRouteBackend } from './mock-route-backend.js';
export * from '../../exec/recording-command-runner.js';
export * from './mock-simulation.js';

/** The in-memory backends: what `npm start` and embedders' unit tests run on. */
export const mockBackends: BackendFactories = {
  route: () => new MockRouteBackend(),
  proxy: () => new MockProxyBackend(),
  firewall: () => new MockFirewallBackend(),
};
