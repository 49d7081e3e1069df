/**
 * The IPVS service proxy: kube-router's own dataplane. The IPVS port over generic netlink
 * (real and in-memory fake), the message codec laid out as `linux/ip_vs.h` says, the dummy
 * interface that holds the VIPs, DSR (firewall-mark services, marking rules, the pods'
 * tunnels), and the `ProxyBackend`.
 *
 * @module
 */
export * from './ipvs-proxy-backend.js';
export * from './genl-ipvs-port.js';
export * from './fake-ipvs-port.js';
export * from './dummy-interface.js';
export * from './ipvs-messages.js';
export * from './ipvs-constants.js';
export { virtualServiceSpecs, serviceFlags, servicePortSkips, DEFAULT_SCHEDULER, SCHEDULER_FLAG_BITS, type VirtualServiceSpec, type DsrMarkLookup } from './ipvs-service-specs.js';
export * from './ipvs-dsr.js';
export * from './dsr-marks.js';
export * from './dsr-director.js';
export * from './ipvs-short-circuit.js';
export * from './ipvs-source-ranges.js';
export * from '../../core/ports/ipvs.js';
export * from './ipvs-netfilter.js';
export * from './ipvs-iptables-render.js';
