export * from './route-plan-options.js';
export * from './plan-routes.js';
