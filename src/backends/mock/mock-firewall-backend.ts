import type { FirewallBackend } from '../../core/backend/concern-backends.js';
import type { FirewallPlan, PodFirewall } from '../../core/plan/firewall-plan.js';
import { MockBackend, type MockPlanShape } from './mock-backend.js';
import { countOf } from './summary-lines.js';

function isIsolated(pod: PodFirewall): boolean {
  return pod.ingressPolicies.length > 0 || pod.egressPolicies.length > 0;
}

const firewallPlanShape: MockPlanShape<FirewallPlan> = {
  parts: (plan) => ({
    maps: { policies: plan.policies, pods: plan.pods, peerSets: plan.peerSets },
    singles: {},
    planWide: { node: plan.node, nodeAddresses: plan.nodeAddresses },
  }),
  summarise: (plan) => [
    [
      countOf(plan.policies.size, 'policy', 'policies'),
      countOf(plan.pods.values().filter(isIsolated).length, 'isolated pod'),
      countOf(plan.peerSets.size, 'peer set'),
    ].join(', '),
  ],
};

/**
 * A mock firewall: keeps the last synced `FirewallPlan`. Its fragments are the policies, the
 * local pods and the peer sets, by key; a change of node or node addresses makes a full sync.
 * The summary reads `N policies, N isolated pods, N peer sets` (a pod is isolated when a
 * policy selects it in either direction). See `MockBackend` for the contract and test hooks.
 */
export class MockFirewallBackend extends MockBackend<FirewallPlan, 'firewall'> implements FirewallBackend {
  constructor() {
    super('firewall', firewallPlanShape);
  }
}
