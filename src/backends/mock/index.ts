/**
 * The `kube-router/mock` entry point: in-memory backends for embedders' unit tests, and the
 * `RecordingCommandRunner` for testing custom kernel backends without a kernel.
 *
 * @module
 */
export { MockBackend, type MockPlanShape } from './mock-backend.js';
export type { PlanParts } from './plan-fragments.js';
export { MockProxyBackend } from './mock-proxy-backend.js';
export { MockFirewallBackend } from './mock-firewall-backend.js';
export { MockRouteBackend } from './mock-route-backend.js';
export * from '../../exec/recording-command-runner.js';
export * from './mock-simulation.js';
