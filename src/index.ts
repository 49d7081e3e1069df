/**
 * kube-router: Kubernetes node networking as a library. Sources feed a `ClusterStore`; pure
 * planners turn its snapshot into per-node plans; backends program them; controllers run
 * the loop; the simulator answers reachability questions from plans.
 *
 * Subpath entry points: `kube-router/mock` (in-memory backends and the recording command
 * runner, for embedders' tests), `kube-router/agent` (the reference node agent, composed
 * with tsyringe; it loads `reflect-metadata`, this entry does not) and `kube-router/lab`
 * (clusters as network namespaces).
 *
 * @module kube-router
 */

export * from './core/model/index.js';
export * from './core/errors.js';
export * from './core/convert/index.js';
export * from './core/store/index.js';
export * from './core/source/source.js';
export * from './core/source/memory-source.js';
export * from './sources/index.js';
export * from './core/plan/index.js';
export * from './core/planner/index.js';
export * from './core/backend/index.js';
export * from './core/ports/command-runner.js';
export * from './core/ports/netlink.js';
export * from './core/controller/concern-controller.js';
export { ExecCommandRunner } from './exec/exec-command-runner.js';
export * from './core/simulator/index.js';
export * from './core/controller/clock.js';
export * from './core/controller/manual-clock.js';
export * from './core/controller/backoff.js';
export * from './core/controller/dirty-changes.js';
export * from './core/controller/one-shot-timer.js';
export * from './core/controller/sync-metrics.js';
export * from './core/controller/full-planner.js';
export * from './core/controller/controller-types.js';
