import assert from 'node:assert/strict';
import type { ProxyBackend } from '../../../src/core/backend/concern-backends.js';
import type { ServicePortPlan } from '../../../src/core/plan/proxy-plan.js';
import { assertCounts, backendLifecycleContract, useFreshBackend, type BackendFactory } from './backend-contract.js';
import { PROXY_PLAN_FRAGMENTS, proxyPlan, proxyPlanWith, proxyServicePorts } from './fixtures/proxy-plans.js';

function editedPlan(key: string, edit: (port: ServicePortPlan) => ServicePortPlan) {
  return proxyPlanWith(proxyServicePorts().map((port) => (port.key === key ? edit(port) : port)));
}

async function servicePortKeys(backend: ProxyBackend): Promise<string[]> {
  return [...((await backend.describe()).plan?.servicePorts.keys() ?? [])];
}

/**
 * The contract every `ProxyBackend` honours, counted in service ports. Registers a mocha
 * `describe`; `make` builds a fresh backend for each test.
 */
export function proxyBackendContract(name: string, make: BackendFactory<ProxyBackend>): void {
  describe(`${name}: ProxyBackend contract`, () => {
    const backend = useFreshBackend(make);
    backendLifecycleContract(backend, 'proxy', { plan: proxyPlan, fragments: PROXY_PLAN_FRAGMENTS });

    it('removes a service port that left the plan, and only that one', async () => {
      await backend().sync(proxyPlan());
      const withoutApi = proxyPlanWith(proxyServicePorts().filter((port) => port.service !== 'shop/api'));
      const report = await backend().sync(withoutApi);
      assertCounts(report, { full: false, changed: 0, removed: 1, unchanged: 3 });
      assert.deepEqual(await servicePortKeys(backend()), [
        'default/web:http/TCP',
        'kube-system/kube-dns:dns-tcp/TCP',
        'kube-system/kube-dns:dns/UDP',
      ]);
    });

    it('rewrites only the service port whose endpoint changed', async () => {
      await backend().sync(proxyPlan());
      const moved = editedPlan('default/web:http/TCP', (port) => ({
        ...port,
        clusterEndpoints: port.clusterEndpoints.map((endpoint) =>
          endpoint.ip === '10.1.2.7' ? { ...endpoint, ip: '10.1.2.8' } : endpoint,
        ),
      }));
      const report = await backend().sync(moved);
      assertCounts(report, { full: false, changed: 1, removed: 0, unchanged: 3 });
      const web = (await backend().describe()).plan?.servicePorts.get('default/web:http/TCP');
      assert.deepEqual(
        web?.clusterEndpoints.map((endpoint) => endpoint.ip),
        ['10.1.1.5', '10.1.2.8'],
      );
    });

    it('counts an endpoint turning terminating as one change', async () => {
      await backend().sync(proxyPlan());
      const terminating = editedPlan('kube-system/kube-dns:dns/UDP', (port) => ({
        ...port,
        clusterEndpoints: port.clusterEndpoints.map((endpoint) =>
          endpoint.ip === '10.1.3.4' ? { ...endpoint, ready: false, terminating: true } : endpoint,
        ),
      }));
      assertCounts(await backend().sync(terminating), { full: false, changed: 1, removed: 0, unchanged: 3 });
    });

    it('counts a changed masquerade decision of one frontend as one change', async () => {
      await backend().sync(proxyPlan());
      const always = editedPlan('default/web:http/TCP', (port) => ({
        ...port,
        frontends: port.frontends.map((frontend) =>
          frontend.kind === 'ClusterIP' ? { ...frontend, masquerade: 'always' as const } : frontend,
        ),
      }));
      assertCounts(await backend().sync(always), { full: false, changed: 1, removed: 0, unchanged: 3 });
    });

    it('adds a new service port as one change', async () => {
      await backend().sync(proxyPlan());
      const metrics: ServicePortPlan = {
        key: 'default/web:metrics/TCP',
        service: 'default/web',
        portName: 'metrics',
        protocol: 'TCP',
        frontends: [
          {
            kind: 'ClusterIP',
            ip: '172.16.0.10',
            family: 'IPv4',
            port: 9090,
            trafficPolicy: 'Cluster',
            endpoints: 'cluster',
            sourceRanges: [],
            masquerade: 'outside-cluster-cidrs',
            noEndpoints: 'REJECT',
          },
        ],
        clusterEndpoints: [],
        localEndpoints: [],
        hairpinMasquerade: true,
      };
      const withMetrics = proxyPlanWith([...proxyServicePorts(), metrics]);
      assertCounts(await backend().sync(withMetrics), { full: false, changed: 1, removed: 0, unchanged: 4 });
      assert.ok((await servicePortKeys(backend())).includes('default/web:metrics/TCP'));
    });
  });
}
