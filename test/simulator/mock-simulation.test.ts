import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  canReachThroughMocks,
  MockBackendsByNode,
  MockFirewallBackend,
  MockNeverSyncedError,
  MockProxyBackend,
  reachabilityMatrixThroughMocks,
  traceThroughMock,
} from '../../src/backends/mock/index.js';
import { endpoint, firewallPlan, frontend, podEntry, policy, proxyPlan, servicePort, settings } from './plan-builders.js';

// app/a on node-a is open; app/b on node-b takes nothing (a policy without rules).
const planA = firewallPlan('node-a', { pods: [podEntry('app/a', ['10.0.1.2'])] });
const planB = firewallPlan('node-b', {
  pods: [podEntry('app/b', ['10.0.2.2'], { ingress: ['app/deny'] })],
  policies: [policy('app/deny', { ingress: [] })],
});
const proxy = proxyPlan('node-a', settings(), [
  servicePort('app/b:http/TCP', { frontends: [frontend('ClusterIP', { ip: '10.96.0.10', port: 80 })], clusterEndpoints: [endpoint('10.0.2.2', 8080)] }),
]);

async function synced<M extends { sync(plan: P): Promise<unknown> }, P>(mock: M, plan: P): Promise<M> {
  await mock.sync(plan);
  return mock;
}

describe('simulation through mock backends', () => {
  it('answers canReach from the plans the firewall mocks last synced', async () => {
    const mocks = [await synced(new MockFirewallBackend(), planA), await synced(new MockFirewallBackend(), planB)];
    assert.equal(canReachThroughMocks(mocks, { from: 'app/b', to: 'app/a', port: 80, protocol: 'TCP' }).allowed, true);
    assert.equal(canReachThroughMocks(mocks, { from: 'app/a', to: 'app/b', port: 80, protocol: 'TCP' }).allowed, false);
    const matrix = reachabilityMatrixThroughMocks(mocks, ['app/a', 'app/b'], 80, 'TCP');
    assert.deepEqual(matrix.matrix, { 'app/a': { 'app/a': true, 'app/b': false }, 'app/b': { 'app/a': true, 'app/b': true } });
  });

  it('refuses to answer from a firewall mock that never synced', async () => {
    const mocks = [await synced(new MockFirewallBackend(), planA), new MockFirewallBackend()];
    assert.throws(
      () => canReachThroughMocks(mocks, { from: 'app/a', to: 'app/a', port: 80, protocol: 'TCP' }),
      (error: unknown) => error instanceof MockNeverSyncedError && /^firewall mock number 2 has never synced/.test(error.message),
    );
  });

  it('traces through the plan a proxy mock last synced, and refuses before its first sync', async () => {
    const mock = await synced(new MockProxyBackend(), proxy);
    const result = traceThroughMock(mock, { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' });
    assert.deepEqual([result.verdict, result.backends, result.masquerade], ['ACCEPT', ['10.0.2.2:8080'], false]);
    assert.throws(() => traceThroughMock(new MockProxyBackend(), { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' }), MockNeverSyncedError);
  });

  it('keeps answering from the last plan after cleanup (lastPlan is history)', async () => {
    const mock = await synced(new MockProxyBackend(), proxy);
    await mock.cleanup();
    assert.equal(traceThroughMock(mock, { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' }).verdict, 'ACCEPT');
  });

  describe('MockBackendsByNode', () => {
    it('makes one mock per node and concern, and gives the same one back', () => {
      const mocks = new MockBackendsByNode();
      assert.equal(mocks.firewall('node-a'), mocks.firewall('node-a'));
      assert.notEqual(mocks.firewall('node-a'), mocks.firewall('node-b'));
      mocks.proxy('node-c');
      assert.deepEqual(mocks.nodes, ['node-a', 'node-b', 'node-c']);
    });

    it('asks every node\'s firewall mock, and names a node whose mock never synced', async () => {
      const mocks = new MockBackendsByNode();
      await mocks.firewall('node-a').sync(planA);
      mocks.firewall('node-b');
      assert.throws(() => mocks.canReach({ from: 'app/a', to: 'app/a', port: 80, protocol: 'TCP' }), /^MockNeverSyncedError: the firewall mock of node node-b has never synced/);
      await mocks.firewall('node-b').sync(planB);
      assert.equal(mocks.canReach({ from: 'app/a', to: 'app/b', port: 80, protocol: 'TCP' }).allowed, false);
      assert.equal(mocks.reachabilityMatrix(['app/b', 'app/a'], 80, 'TCP').matrix['app/b']?.['app/a'], true);
    });

    it('traces on one node\'s proxy mock, and says which nodes have one', async () => {
      const mocks = new MockBackendsByNode();
      await mocks.proxy('node-a').sync(proxy);
      assert.deepEqual(mocks.trace('node-a', { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' }).backends, ['10.0.2.2:8080']);
      assert.throws(() => mocks.trace('node-z', { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' }), /no proxy mock for node "node-z" \(mocks exist for node-a\)/);
      mocks.proxy('node-b');
      assert.throws(() => mocks.trace('node-b', { from: '10.0.1.2', to: '10.96.0.10', port: 80, protocol: 'TCP' }), /the proxy mock of node node-b has never synced/);
    });
  });
});
