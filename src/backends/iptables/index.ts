/**
 * iptables + ipset backends: the NetworkPolicy firewall (`IptablesFirewallBackend`), stable
 * hashed kernel names, a `CommandRunner` that runs inside a network namespace, and the
 * firewall's names, rule pieces and ipset payloads.
 *
 * @module
 */
export * from './kernel-names.js';
export * from '../../exec/netns-command-runner.js';
export * from './firewall/firewall-names.js';
export * from './firewall/address-text.js';
export * from './firewall/ipset-payload.js';
export * from './firewall/iptables-firewall-backend.js';
export * from './proxy/iptables-proxy-backend.js';
