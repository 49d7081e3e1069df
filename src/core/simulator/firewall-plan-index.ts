import type { FirewallPlan, PodFirewall } from '../plan/index.js';
import { SimulationQueryError } from './simulation-error.js';

/** A pod's firewall entry and the plan of the node that enforces it. */
export interface PlacedPod {
  readonly pod: PodFirewall;
  readonly plan: FirewallPlan;
}

/**
 * Finds each pod's node plan among the plans of many nodes: the plan whose `pods` lists it.
 * Built once per question batch so a reachability matrix does not scan every plan per pair.
 * @internal
 */
export class FirewallPlanIndex {
  readonly #placed = new Map<string, PlacedPod>();

  /** @throws SimulationQueryError when two plans list the same pod (plans of different snapshots). */
  constructor(plans: Iterable<FirewallPlan>) {
    for (const plan of plans) {
      for (const pod of plan.pods.values()) {
        const earlier = this.#placed.get(pod.pod);
        if (earlier !== undefined) {
          throw new SimulationQueryError(
            `pod ${pod.pod} is listed by the plans of node ${earlier.plan.node} and node ${plan.node}: give plans of one snapshot`,
          );
        }
        this.#placed.set(pod.pod, { pod, plan });
      }
    }
  }

  /**
   * The pod `key` (`namespace/name`) and its node plan.
   *
   * @param role names the pod's part in the question (`from`, `to`) for the error message
   * @throws SimulationQueryError when no plan lists the pod
   */
  find(key: string, role: string): PlacedPod {
    const placed = this.#placed.get(key);
    if (placed === undefined) {
      throw new SimulationQueryError(
        `${role}: no pod "${key}" in the firewall plans (plans list the running, non-hostNetwork pods with an IP of their node)`,
      );
    }
    return placed;
  }
}
