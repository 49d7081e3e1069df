export * from './plan-firewall.js';
export { FirewallPlanner } from './firewall-planner.js';
