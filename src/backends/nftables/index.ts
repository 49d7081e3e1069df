export * from './proxy/nftables-proxy-backend.js';
export * from './proxy/proxy-table-render.js';
export * from './firewall/nftables-firewall-backend.js';
