/*
 * Controllers: one level-based loop per concern (dirty set, minimum interval, backoff,
 * periodic resync, metrics), the clock they run on, and the adapter for pure full planners.
 */
export * from './clock.js';
export * from './manual-clock.js';
export * from './backoff.js';
export * from './dirty-changes.js';
export * from './one-shot-timer.js';
export * from './sync-metrics.js';
export * from './full-planner.js';
export * from './controller-types.js';
export * from './concern-controller.js';
