import assert from 'node:assert/strict';
import type { FirewallBackend } from '../../../src/core/backend/concern-backends.js';
import { assertCounts, backendLifecycleContract, useFreshBackend, type BackendFactory } from './backend-contract.js';
import {
  FIREWALL_PLAN_FRAGMENTS,
  FIREWALL_SET_IDS,
  firewallParts,
  firewallPlan,
  firewallPlanWith,
} from './fixtures/firewall-plans.js';

/**
 * The contract every `FirewallBackend` honours, counted in policies, local pods and peer
 * sets. Registers a mocha `describe`; `make` builds a fresh backend for each test.
 */
export function firewallBackendContract(name: string, make: BackendFactory<FirewallBackend>): void {
  describe(`${name}: FirewallBackend contract`, () => {
    const backend = useFreshBackend(make);
    backendLifecycleContract(backend, 'firewall', { plan: firewallPlan, fragments: FIREWALL_PLAN_FRAGMENTS });

    it('changes only the peer set whose members changed: no policy, no pod', async () => {
      await backend().sync(firewallPlan());
      const parts = firewallParts();
      parts.peerSets = parts.peerSets.map((set) =>
        set.id === FIREWALL_SET_IDS.FRONTENDS && set.kind === 'pods' ? { ...set, addresses: ['10.1.2.20'] } : set,
      );
      assertCounts(await backend().sync(firewallPlanWith(parts)), { full: false, changed: 1, removed: 0, unchanged: 8 });
      const set = (await backend().describe()).plan?.peerSets.get(FIREWALL_SET_IDS.FRONTENDS);
      assert.deepEqual(set?.kind === 'pods' ? set.addresses : undefined, ['10.1.2.20']);
    });

    it('removes a deleted policy and rewrites the pod it isolated', async () => {
      await backend().sync(firewallPlan());
      const parts = firewallParts();
      parts.policies = parts.policies.filter((policy) => policy.key !== 'shop/default-deny');
      parts.pods = parts.pods.map((pod) => (pod.pod === 'shop/api-1' ? { ...pod, ingressPolicies: [] } : pod));
      assertCounts(await backend().sync(firewallPlanWith(parts)), { full: false, changed: 1, removed: 1, unchanged: 7 });
      const state = (await backend().describe()).plan;
      assert.deepEqual([...(state?.policies.keys() ?? [])], ['default/web-allow-frontend', 'shop/api-egress']);
      assert.deepEqual(state?.pods.get('shop/api-1')?.ingressPolicies, []);
    });

    it('removes a pod that left the node', async () => {
      await backend().sync(firewallPlan());
      const parts = firewallParts();
      parts.pods = parts.pods.filter((pod) => pod.pod !== 'kube-system/coredns-1');
      assertCounts(await backend().sync(firewallPlanWith(parts)), { full: false, changed: 0, removed: 1, unchanged: 8 });
      assert.deepEqual([...((await backend().describe()).plan?.pods.keys() ?? [])], ['default/web-1', 'shop/api-1']);
    });

    it('removes a peer set no rule refers to any more', async () => {
      await backend().sync(firewallPlan());
      const parts = firewallParts();
      parts.policies = parts.policies.map((policy) =>
        policy.key === 'shop/api-egress' ? { ...policy, egress: policy.egress.slice(0, 1) } : policy,
      );
      parts.peerSets = parts.peerSets.filter((set) => set.id !== FIREWALL_SET_IDS.DATABASES);
      assertCounts(await backend().sync(firewallPlanWith(parts)), { full: false, changed: 1, removed: 1, unchanged: 7 });
      assert.equal((await backend().describe()).plan?.peerSets.get(FIREWALL_SET_IDS.DATABASES), undefined);
    });
  });
}
