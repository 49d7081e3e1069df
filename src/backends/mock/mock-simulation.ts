import type { FirewallPlan } from '../../core/plan/firewall-plan.js';
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { Protocol } from '../../core/model/index.js';
import { canReach } from '../../core/simulator/can-reach.js';
import type { ReachQuery, ReachResult } from '../../core/simulator/reach-query.js';
import { reachabilityMatrix, type ReachabilityMatrix } from '../../core/simulator/reachability-matrix.js';
import { tracePacket } from '../../core/simulator/trace-packet.js';
import type { TracePacket, TraceResult } from '../../core/simulator/trace-query.js';
import { MockFirewallBackend } from './mock-firewall-backend.js';
import { MockProxyBackend } from './mock-proxy-backend.js';
import { MockRouteBackend } from './mock-route-backend.js';

/** Thrown when a mock is asked a question before it has ever synced a plan. */
export class MockNeverSyncedError extends Error {
  override readonly name = 'MockNeverSyncedError';
}

/** The last plans of `firewalls`; `nameOf` names a mock in the error (its position by default). */
function syncedFirewallPlans(
  firewalls: Iterable<MockFirewallBackend>,
  nameOf: (position: number) => string = (position) => `firewall mock number ${position}`,
): FirewallPlan[] {
  const plans: FirewallPlan[] = [];
  let position = 0;
  for (const firewall of firewalls) {
    position++;
    const plan = firewall.lastPlan;
    if (plan === undefined) {
      throw new MockNeverSyncedError(
        `${nameOf(position)} has never synced: run its agent (with runFirewall) before asking who can reach whom`,
      );
    }
    plans.push(plan);
  }
  return plans;
}

function syncedProxyPlan(proxy: MockProxyBackend, name = 'the proxy mock'): ProxyPlan {
  const plan = proxy.lastPlan;
  if (plan === undefined) {
    throw new MockNeverSyncedError(`${name} has never synced: run its agent (with runServiceProxy) before tracing packets`);
  }
  return plan;
}

/**
 * `canReach` over what mock firewalls last synced (their `lastPlan`): give the mocks of every
 * node running the two pods (more are fine). `lastPlan` is history, so a mock that was synced
 * and then cleaned up still answers with its last plan.
 *
 * @throws MockNeverSyncedError when one of the mocks has never synced
 * @throws SimulationQueryError when a pod is in none of the plans
 */
export function canReachThroughMocks(firewalls: Iterable<MockFirewallBackend>, query: ReachQuery): ReachResult {
  return canReach(syncedFirewallPlans(firewalls), query);
}

/** `reachabilityMatrix` over what mock firewalls last synced; see {@link canReachThroughMocks}. */
export function reachabilityMatrixThroughMocks(
  firewalls: Iterable<MockFirewallBackend>,
  pods: readonly string[],
  port: number,
  protocol: Protocol,
): ReachabilityMatrix {
  return reachabilityMatrix(syncedFirewallPlans(firewalls), pods, port, protocol);
}

/**
 * `tracePacket` over what a mock proxy last synced (its `lastPlan`): what that node's
 * service proxy does with `packet`.
 *
 * @throws MockNeverSyncedError when the mock has never synced
 */
export function traceThroughMock(proxy: MockProxyBackend, packet: TracePacket): TraceResult {
  return tracePacket(syncedProxyPlan(proxy), packet);
}

/**
 * Mock backends for every node, made on demand and kept by node name, so a test can compose
 * agents with it and then ask questions of what they programmed. It has the shape of the
 * agent's `BackendFactories`:
 *
 * ```ts
 * const mocks = new MockBackendsByNode();
 * for (const node of snapshot.nodes()) await composeNodeAgent(node.name, config, mocks).syncOnce(snapshot);
 * assert.ok(mocks.canReach({ from: 'frontend/web-1', to: 'backend/api-1', port: 8080, protocol: 'TCP' }).allowed);
 * ```
 */
export class MockBackendsByNode {
  readonly #routes = new Map<string, MockRouteBackend>();
  readonly #proxies = new Map<string, MockProxyBackend>();
  readonly #firewalls = new Map<string, MockFirewallBackend>();

  /** The route mock of `node`, made on first use. */
  readonly route = (node: string): MockRouteBackend => MockBackendsByNode.#of(this.#routes, node, () => new MockRouteBackend());
  /** The proxy mock of `node`, made on first use. */
  readonly proxy = (node: string): MockProxyBackend => MockBackendsByNode.#of(this.#proxies, node, () => new MockProxyBackend());
  /** The firewall mock of `node`, made on first use. */
  readonly firewall = (node: string): MockFirewallBackend =>
    MockBackendsByNode.#of(this.#firewalls, node, () => new MockFirewallBackend());

  static #of<M>(mocks: Map<string, M>, node: string, make: () => M): M {
    let mock = mocks.get(node);
    if (mock === undefined) {
      mock = make();
      mocks.set(node, mock);
    }
    return mock;
  }

  /** Names of the nodes with mocks, sorted. */
  get nodes(): string[] {
    return [...new Set([...this.#routes.keys(), ...this.#proxies.keys(), ...this.#firewalls.keys()])].sort();
  }

  #firewallPlans(): FirewallPlan[] {
    const nodes = [...this.#firewalls.keys()];
    return syncedFirewallPlans(this.#firewalls.values(), (position) => `the firewall mock of node ${nodes[position - 1] ?? '?'}`);
  }

  /**
   * `canReach` over every node's firewall mock.
   *
   * @throws MockNeverSyncedError when a node's firewall mock has never synced
   */
  canReach(query: ReachQuery): ReachResult {
    return canReach(this.#firewallPlans(), query);
  }

  /** `reachabilityMatrix` over every node's firewall mock. */
  reachabilityMatrix(pods: readonly string[], port: number, protocol: Protocol): ReachabilityMatrix {
    return reachabilityMatrix(this.#firewallPlans(), pods, port, protocol);
  }

  /**
   * `tracePacket` on node `node`'s proxy mock.
   *
   * @throws Error when no proxy mock was made for `node`
   * @throws MockNeverSyncedError when it has never synced
   */
  trace(node: string, packet: TracePacket): TraceResult {
    const proxy = this.#proxies.get(node);
    if (proxy === undefined) {
      throw new Error(`no proxy mock for node "${node}" (mocks exist for ${this.nodes.join(', ') || 'no node'})`);
    }
    return tracePacket(syncedProxyPlan(proxy, `the proxy mock of node ${node}`), packet);
  }
}
