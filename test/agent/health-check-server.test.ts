import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'mocha';
import { HealthCheckServers } from '../../src/agent/health-check-server.js';
import type { ModelObject } from '../../src/core/model/index.js';
import type { ProxyPlan } from '../../src/core/plan/index.js';
import { planServices } from '../../src/core/planner/index.js';
import { snapshotOf } from '../support/array-snapshot.js';
import { endpoint, service, slice, slicePort } from '../planner/model-factories.js';

/** A port free on 127.0.0.1 right now (bound to port 0, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

function planWith(healthCheckNodePort: number, endpoints: ReturnType<typeof endpoint>[]): ProxyPlan {
  const objects: ModelObject[] = [
    service('shop/lb', {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.0.40'],
      ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30040 }],
      loadBalancerIngress: [{ ip: '203.0.113.40', ipMode: 'VIP' }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort,
    }),
    slice('shop/lb-1', 'lb', 'IPv4', [slicePort(8080)], endpoints),
  ];
  return planServices(snapshotOf(...objects), 'n1', { clusterCIDRs: ['10.244.0.0/16'] });
}

async function get(port: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: await response.json() };
}

// Expected bodies written by hand from kube-proxy's documented health check format.
describe('HealthCheckServers (real HTTP on 127.0.0.1)', () => {
  const logged: string[] = [];
  const servers = new HealthCheckServers({ bindAddresses: ['127.0.0.1'], log: (line) => logged.push(line) });
  after(() => servers.stop());

  it('answers 200 with the local endpoint count, 503 when none is local, and closes a port that goes', async () => {
    const port = await freePort();
    await servers.update(planWith(port, [endpoint('10.244.0.4', { node: 'n1' }), endpoint('10.244.0.5', { node: 'n1' }), endpoint('10.244.1.4', { node: 'n2' })]));
    assert.deepEqual(await get(port), { status: 200, body: { service: { namespace: 'shop', name: 'lb' }, localEndpoints: 2 } });

    await servers.update(planWith(port, [endpoint('10.244.1.4', { node: 'n2' })]));
    assert.deepEqual(await get(port), { status: 503, body: { service: { namespace: 'shop', name: 'lb' }, localEndpoints: 0 } });

    await servers.update(planServices(snapshotOf(), 'n1', { clusterCIDRs: ['10.244.0.0/16'] }));
    assert.deepEqual(servers.listening(), []);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });

  it('logs and counts a port already in use, without throwing, and serves it once it is free', async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const plan = planWith(port, [endpoint('10.244.0.4', { node: 'n1' })]);
    const before = servers.failures;
    await servers.update(plan);
    assert.equal(servers.failures, before + 1);
    assert.match(logged.at(-1) ?? '', new RegExp(`health check node port 127\\.0\\.0\\.1:${port} not served: .*EADDRINUSE`));
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await servers.update(plan);
    assert.deepEqual(servers.listening(), [`127.0.0.1:${port}`]);
    assert.equal((await get(port)).status, 200);
  });
});
