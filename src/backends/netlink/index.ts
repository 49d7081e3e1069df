/**
 * The netlink route backend: kernel routes to other nodes' pod subnets (direct, or through
 * VXLAN / IPIP / FOU tunnel links), pod egress masquerade in an nftables table of its own, the
 * netlink port it programs through (real and fake), a host for running it inside another
 * network namespace, and kube-router's CNI configuration writer.
 *
 * @module
 */
export * from './netlink-route-backend.js';
export * from './fake-netlink-port.js';
export * from './rtnetlink/rtnetlink-port.js';
export * from './netns/namespaced-route-backend.js';
export * from './cni-config.js';
export { tunnelMac, TUNNEL_NAME_PREFIX, OWNED_LINK_ALIAS, DEFAULT_VXLAN_PORT, DEFAULT_FOU_PORT } from './tunnel-links.js';
export { DEFAULT_EGRESS_TABLE } from './egress-ruleset.js';
export * from '../../core/ports/netlink.js';
