export * from './proxy-plan.js';
export * from './firewall-plan.js';
export * from './route-plan.js';
export * from './sync-report.js';
export * from './fragment-map.js';
export * from './plan-equality.js';
