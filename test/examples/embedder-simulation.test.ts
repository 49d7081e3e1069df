/**
 * What an embedder's unit test looks like: compose the reference agent for every node of a
 * cluster over mock backends, sync once, then ask the mocks who can reach whom and what
 * happens to a packet. The imports stand for `kube-router` and `kube-router/mock`.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'mocha';
import { loadCluster } from '../../src/index.js';
import { composeNodeAgent, type AgentConfig } from '../../src/agent/index.js';
import { MockBackendsByNode } from '../../src/backends/mock/index.js';

const SEED_CLUSTER = fileURLToPath(new URL('../../examples/seed-cluster', import.meta.url));

const config: AgentConfig = {
  runRouter: false,
  runFirewall: true,
  runServiceProxy: true,
  clusterCIDRs: ['10.1.0.0/16'],
  serviceClusterIPRanges: ['172.16.0.0/16'],
  masqueradeAll: false,
  nodePortAddresses: [],
};

describe('embedding: asking the mock backends questions (examples/seed-cluster)', () => {
  const mocks = new MockBackendsByNode();

  before(async () => {
    const { snapshot } = await loadCluster([SEED_CLUSTER]);
    for (const node of snapshot.nodes()) await composeNodeAgent(node.name, config, mocks).syncOnce(snapshot);
  });

  it('frontend/web can reach backend/api on 8080/TCP', () => {
    assert.ok(mocks.canReach({ from: 'frontend/web-1', to: 'backend/api-2', port: 8080, protocol: 'TCP' }).allowed);
  });

  it('backend/api cannot reach secure/vault: its egress policy allows only DNS, the db pods and outside the pod network', () => {
    const result = mocks.canReach({ from: 'backend/api-1', to: 'secure/vault-1', port: 8080, protocol: 'TCP' });
    assert.equal(result.allowed, false);
    assert.equal(result.families[0]?.egress.allowed, false);
    assert.deepEqual(result.families[0]?.egress.isolatingPolicies, ['backend/restrict-egress']);
  });

  it('default/toolbox cannot reach vault although it is labelled role=frontend: its namespace lacks team=frontend', () => {
    const result = mocks.canReach({ from: 'default/toolbox', to: 'secure/vault-2', port: 8080, protocol: 'TCP' });
    assert.equal(result.allowed, false);
    assert.deepEqual(result.families[0]?.ingress.isolatingPolicies, ['secure/allow-frontend-to-vault', 'secure/default-deny-ingress']);
  });

  it('a pod on kube-node1 reaching backend/api\'s cluster IP goes to one of the three api pods, source kept', () => {
    const trace = mocks.trace('kube-node1', { from: '10.1.1.2', to: '172.16.10.10', port: 80, protocol: 'TCP' });
    assert.deepEqual([trace.verdict, trace.backends, trace.masquerade], ['ACCEPT', ['10.1.1.3:8080', '10.1.2.3:8080', '10.1.3.3:8080'], false]);
  });

  it('the prometheus NodePort (externalTrafficPolicy Local) answers outside clients on kube-node2 only', () => {
    const client = { from: '192.168.1.50', port: 30090, protocol: 'TCP' } as const;
    assert.equal(mocks.trace('kube-node2', { ...client, to: '192.168.1.101' }).verdict, 'ACCEPT');
    assert.equal(mocks.trace('kube-node1', { ...client, to: '192.168.1.100' }).verdict, 'DROP');
  });
});
