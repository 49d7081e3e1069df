import type { FirewallBackend, ProxyBackend, RouteBackend } from '../core/backend/index.js';
import { ConcernController } from '../core/controller/concern-controller.js';
import type {
  ConcernControllerOptions,
  ControllerStatus,
  ControllerStore,
  ReconcileOutcome,
  ReconcileResult,
} from '../core/controller/controller-types.js';
import { InMemorySyncMetrics, type SyncMetricsSink } from '../core/controller/sync-metrics.js';
import { ConfigError } from '../core/errors.js';
import type { FirewallPlan, ProxyPlan, RoutePlan } from '../core/plan/index.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { AgentConfig } from './agent-config.js';
import type { AgentRuntime } from './agent-runtime.js';
import { defaultPlanners, type PlannerFactory } from './planners.js';

/** What one pass of a node agent programmed, per enabled concern. */
export interface NodeSyncResult {
  readonly node: string;
  readonly route?: ReconcileResult<RoutePlan> | undefined;
  readonly proxy?: ReconcileResult<ProxyPlan> | undefined;
  readonly firewall?: ReconcileResult<FirewallPlan> | undefined;
}

/** How the reconciles a {@link NodeAgent.syncNow} asked for went, per enabled concern. */
export interface NodeReconcileOutcomes {
  readonly route?: ReconcileOutcome<RoutePlan> | undefined;
  readonly proxy?: ReconcileOutcome<ProxyPlan> | undefined;
  readonly firewall?: ReconcileOutcome<FirewallPlan> | undefined;
}

/** The backends of one node; only those of enabled concerns are needed. */
export interface NodeBackends {
  readonly route?: RouteBackend | undefined;
  readonly proxy?: ProxyBackend | undefined;
  readonly firewall?: FirewallBackend | undefined;
}

/** What a {@link NodeAgent} is made of: plain values, so it can be built with or without a container. */
export interface NodeAgentParts {
  /** The node this agent programs. */
  readonly node: string;
  readonly config: AgentConfig;
  readonly backends: NodeBackends;
  /** The planners; {@link defaultPlanners} when absent. */
  readonly planners?: PlannerFactory | undefined;
  /** Clock, metrics and observer of the controllers. */
  readonly runtime?: AgentRuntime | undefined;
}

type AnyController = ConcernController<RoutePlan> | ConcernController<ProxyPlan> | ConcernController<FirewallPlan>;

function requireBackend<B>(backend: B | undefined, flag: string, concern: string): B {
  if (backend === undefined) throw new ConfigError(`${flag} is on but no ${concern} backend was given`);
  return backend;
}

/**
 * The reference agent for one node: one {@link ConcernController} per enabled concern
 * (`--run-router`, `--run-service-proxy`, `--run-firewall`), each joining its planner to its
 * backend.
 *
 * Two ways to run it:
 * - {@link NodeAgent.start} runs every controller's loop over a store until
 *   {@link NodeAgent.stop}. The loops are independent: a concern whose backend keeps failing
 *   retries on its own backoff while the others go on syncing.
 * - {@link NodeAgent.syncOnce} plans and programs every concern once from a snapshot, routes
 *   first (the CLI's one-shot `agent`).
 */
export class NodeAgent {
  /** The node this agent programs. */
  readonly node: string;
  /** Where the controllers record their syncs. */
  readonly metrics: SyncMetricsSink;
  /** The route controller, when `runRouter` is on. */
  readonly routeController?: ConcernController<RoutePlan> | undefined;
  /** The service proxy controller, when `runServiceProxy` is on. */
  readonly proxyController?: ConcernController<ProxyPlan> | undefined;
  /** The firewall controller, when `runFirewall` is on. */
  readonly firewallController?: ConcernController<FirewallPlan> | undefined;

  /** @param parts see {@link NodeAgentParts}; an enabled concern without a backend throws a `ConfigError` */
  constructor(parts: NodeAgentParts) {
    const { node, config, backends } = parts;
    const planners = parts.planners ?? defaultPlanners;
    const runtime = parts.runtime ?? {};
    this.node = node;
    this.metrics = runtime.metrics ?? new InMemorySyncMetrics();
    const options: ConcernControllerOptions = {
      ...config.timings,
      clock: runtime.clock,
      metrics: this.metrics,
      onReconcile: runtime.onReconcile,
    };
    if (config.runRouter) {
      const backend = requireBackend(backends.route, '--run-router', 'route');
      this.routeController = new ConcernController('route', planners.route(node, config), backend, options);
    }
    if (config.runServiceProxy) {
      const backend = requireBackend(backends.proxy, '--run-service-proxy', 'proxy');
      this.proxyController = new ConcernController('proxy', planners.proxy(node, config), backend, options);
    }
    if (config.runFirewall) {
      const backend = requireBackend(backends.firewall, '--run-firewall', 'firewall');
      this.firewallController = new ConcernController('firewall', planners.firewall(node, config), backend, options);
    }
  }

  /** True while the controllers run. */
  get running(): boolean {
    return this.#controllers().some((controller) => controller.running);
  }

  /** What each enabled controller is doing, routes first. */
  status(): ControllerStatus[] {
    return this.#controllers().map((controller) => controller.status);
  }

  /**
   * Starts every enabled controller over `store`. Each programs nothing until the store is
   * synced, then reconciles in full, then on every change, until {@link NodeAgent.stop}.
   */
  start(store: ControllerStore): void {
    if (this.running) throw new Error(`the agent of ${this.node} is already running`);
    for (const controller of this.#controllers()) controller.start(store);
  }

  /** Stops every controller, each after its sync in flight (if any) has finished. */
  async stop(): Promise<void> {
    await Promise.all(this.#controllers().map((controller) => controller.stop()));
  }

  /** Resolves once no controller has a reconcile in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.#controllers().map((controller) => controller.whenIdle()));
  }

  /** Asks every running controller for a reconcile now and resolves with how each went. */
  async syncNow(): Promise<NodeReconcileOutcomes> {
    const [route, proxy, firewall] = await Promise.all([
      this.routeController?.syncNow(),
      this.proxyController?.syncNow(),
      this.firewallController?.syncNow(),
    ]);
    return { route, proxy, firewall };
  }

  /**
   * Plans and programs every enabled concern once from `snapshot`, routes first; rejects with
   * the first error. Not while the loops run (they own the backends then).
   */
  async syncOnce(snapshot: ClusterSnapshot): Promise<NodeSyncResult> {
    return {
      node: this.node,
      route: await this.routeController?.syncOnce(snapshot),
      proxy: await this.proxyController?.syncOnce(snapshot),
      firewall: await this.firewallController?.syncOnce(snapshot),
    };
  }

  /**
   * Stops the controllers if they run (a running loop would program again), then removes what
   * every enabled concern's backend programmed. Every backend is cleaned up even if another
   * fails; the failures are thrown afterwards (one error, or an `AggregateError`).
   */
  async cleanup(): Promise<void> {
    await this.stop();
    const errors: unknown[] = [];
    for (const controller of this.#controllers()) {
      try {
        await controller.backend.cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `cleanup of ${this.node} failed in ${errors.length} backends`);
  }

  #controllers(): AnyController[] {
    const controllers: AnyController[] = [];
    if (this.routeController) controllers.push(this.routeController);
    if (this.proxyController) controllers.push(this.proxyController);
    if (this.firewallController) controllers.push(this.firewallController);
    return controllers;
  }
}
