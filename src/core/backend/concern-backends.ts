import type { FirewallPlan } from '../plan/firewall-plan.js';
import type { ProxyPlan } from '../plan/proxy-plan.js';
import type { RoutePlan } from '../plan/route-plan.js';
import type { Backend } from './backend.js';

/** Programs a `ProxyPlan`: iptables, IPVS, nftables or mock. */
export interface ProxyBackend extends Backend<ProxyPlan> {
  readonly concern: 'proxy';
}

/** Programs a `FirewallPlan`: iptables + ipset, nftables or mock. */
export interface FirewallBackend extends Backend<FirewallPlan> {
  readonly concern: 'firewall';
}

/** Programs a `RoutePlan`: netlink, a BGP daemon or mock. */
export interface RouteBackend extends Backend<RoutePlan> {
  readonly concern: 'route';
}

/** Injection tokens (tsyringe) for the three backends. */
export const PROXY_BACKEND = Symbol.for('kube-router.ProxyBackend');
/** @see PROXY_BACKEND */
export const FIREWALL_BACKEND = Symbol.for('kube-router.FirewallBackend');
/** @see PROXY_BACKEND */
export const ROUTE_BACKEND = Symbol.for('kube-router.RouteBackend');
