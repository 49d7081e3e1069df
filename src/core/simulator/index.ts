/*
 * The simulator: answers "can pod A reach pod B on port P?" from firewall plans and "what
 * happens to this packet on node N?" from a proxy plan. It reads plan fields only and never
 * re-derives Kubernetes semantics; the plans' TSDoc says what each decision means.
 */
export * from './simulation-error.js';
export * from './reach-query.js';
export * from './can-reach.js';
export * from './reachability-matrix.js';
export * from './trace-query.js';
export * from './trace-packet.js';
export { FirewallPlanIndex, type PlacedPod } from './firewall-plan-index.js';
export * from './result-text.js';
