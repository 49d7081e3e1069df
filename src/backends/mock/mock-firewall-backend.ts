import type { FirewallBackend } from '../../core/backend/concern-backends.js';
import type { FirewallPlan, PodFirewall } from '../../core/plan/firewall-plan.js';
import type { PlanFragment } from './plan-fragments.js';
import { MockBackend, type MockPlanShape } from './mock-backend.js';
import { countOf } from './summary-lines.js';

function isIsolated(pod: PodFirewall): boolean {
  return pod.ingressPolicies.length > 0 || pod.egressPolicies.length > 0;
}

const firewallPlanShape: MockPlanShape<FirewallPlan> = {
  fragments: (plan) => [
    ...plan.policies.map((policy): PlanFragment => [`policy/${policy.key}`, policy]),
    ...plan.pods.map((pod): PlanFragment => [`pod/${pod.pod}`, pod]),
  ],
  planWide: (plan) => ({ node: plan.node }),
  summarise: (plan) => [
    `${countOf(plan.policies.length, 'policy', 'policies')}, ${countOf(plan.pods.filter(isIsolated).length, 'isolated pod')}`,
  ],
};

/**
 * A mock firewall: keeps the last synced `FirewallPlan`. Its fragments are the policies, by
 * key, and the local pods, by `namespace/name`; a change of node makes a full sync. The
 * summary reads `N policies, N isolated pods` (a pod is isolated when a policy selects it in
 * either direction). See `MockBackend` for the contract and test hooks.
 */
export class MockFirewallBackend extends MockBackend<FirewallPlan, 'firewall'> implements FirewallBackend {
  constructor() {
    super('firewall', firewallPlanShape);
  }
}
