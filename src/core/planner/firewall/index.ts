export * from './plan-firewall.js';
