/*
 * Planners: pure, deterministic functions of (snapshot, node) that hold the Kubernetes
 * semantics and produce the plans backends program. They know nothing of iptables, nftables
 * or netlink.
 */
export * from './routes/index.js';
export * from './services/index.js';
export * from './firewall/index.js';
export * from './concern-planner.js';
