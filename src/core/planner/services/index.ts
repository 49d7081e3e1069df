export * from './proxy-plan-options.js';
export * from './plan-services.js';
export * from './service-planner.js';
