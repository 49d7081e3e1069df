/**
 * iptables + ipset building blocks: stable hashed kernel names, a `CommandRunner` that runs
 * inside a network namespace, and the NetworkPolicy firewall's names and ipset payloads.
 *
 * The firewall backend itself (chains, iptables-restore payloads, incremental sync) is not
 * implemented yet: use `MockFirewallBackend` from `kube-router/mock` (or the simulator) until
 * it lands.
 *
 * @module
 */
export * from './kernel-names.js';
export * from '../../exec/netns-command-runner.js';
export * from './firewall/firewall-names.js';
export * from './firewall/address-text.js';
export * from './firewall/ipset-payload.js';
