import assert from 'node:assert/strict';
import type { FirewallBackend } from '../../../src/core/backend/concern-backends.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import { assertCounts, backendLifecycleContract, useFreshBackend, type BackendFactory } from './backend-contract.js';
import { FIREWALL_PLAN_FRAGMENTS, firewallPlan } from './fixtures/firewall-plans.js';

/**
 * The contract every `FirewallBackend` honours, counted in policies and local pods.
 * Registers a mocha `describe`; `make` builds a fresh backend for each test.
 */
export function firewallBackendContract(name: string, make: BackendFactory<FirewallBackend>): void {
  describe(`${name}: FirewallBackend contract`, () => {
    const backend = useFreshBackend(make);
    backendLifecycleContract(backend, 'firewall', { plan: firewallPlan, fragments: FIREWALL_PLAN_FRAGMENTS });

    it('rewrites only the policy whose peers changed', async () => {
      await backend().sync(firewallPlan());
      const plan = firewallPlan();
      const newPeer: FirewallPlan = {
        ...plan,
        policies: plan.policies.map((policy) =>
          policy.key === 'default/web-allow-frontend'
            ? { ...policy, ingress: [{ ...policy.ingress[0]!, peers: { any: false, podIPs: ['10.1.2.20'], cidrs: [] } }] }
            : policy,
        ),
      };
      assertCounts(await backend().sync(newPeer), { full: false, changed: 1, removed: 0, unchanged: 5 });
    });

    it('removes a deleted policy and rewrites the pod it isolated', async () => {
      await backend().sync(firewallPlan());
      const plan = firewallPlan();
      const withoutDeny: FirewallPlan = {
        ...plan,
        policies: plan.policies.filter((policy) => policy.key !== 'shop/default-deny'),
        pods: plan.pods.map((pod) => (pod.pod === 'shop/api-1' ? { ...pod, ingressPolicies: [] } : pod)),
      };
      assertCounts(await backend().sync(withoutDeny), { full: false, changed: 1, removed: 1, unchanged: 4 });
      const state = (await backend().describe()).plan;
      assert.deepEqual(
        state?.policies.map((policy) => policy.key),
        ['default/web-allow-frontend', 'shop/api-egress'],
      );
      assert.deepEqual(state?.pods.find((pod) => pod.pod === 'shop/api-1')?.ingressPolicies, []);
    });

    it('removes a pod that left the node', async () => {
      await backend().sync(firewallPlan());
      const plan = firewallPlan();
      const withoutDns = { ...plan, pods: plan.pods.filter((pod) => pod.pod !== 'kube-system/coredns-1') };
      assertCounts(await backend().sync(withoutDns), { full: false, changed: 0, removed: 1, unchanged: 5 });
      assert.deepEqual(
        (await backend().describe()).plan?.pods.map((pod) => pod.pod),
        ['default/web-1', 'shop/api-1'],
      );
    });
  });
}
