export type { RoutePlanOptions } from './route-plan-options.js';
export * from './plan-routes.js';
export * from './route-planner.js';
export { tunnelName } from './tunnel-name.js';
export { encapsulationOverhead, tunnelMtu } from './tunnel-mtu.js';
