import type { ProxyBackend } from '../../core/backend/concern-backends.js';
import type { ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import { MockBackend, type MockPlanShape } from './mock-backend.js';
import { countOf } from './summary-lines.js';

/** Distinct endpoints (ip:port) of a service port, over both endpoint sets. */
function endpointCount(servicePort: ServicePortPlan): number {
  const endpoints = [...servicePort.clusterEndpoints, ...servicePort.localEndpoints];
  return new Set(endpoints.map((endpoint) => `${endpoint.ip}|${endpoint.port}`)).size;
}

const proxyPlanShape: MockPlanShape<ProxyPlan> = {
  parts: (plan) => ({
    maps: { servicePorts: plan.servicePorts },
    singles: {},
    // Settings (cluster CIDRs, masquerade, NodePort addresses) shape the rules of every service.
    planWide: { node: plan.node, settings: plan.settings },
  }),
  summarise: (plan) => {
    const ports = plan.servicePorts.values();
    const frontends = ports.reduce((sum, servicePort) => sum + servicePort.frontends.length, 0);
    const endpoints = ports.reduce((sum, servicePort) => sum + endpointCount(servicePort), 0);
    return [
      [countOf(ports.length, 'service port'), countOf(frontends, 'frontend'), countOf(endpoints, 'endpoint')].join(', '),
    ];
  },
};

/**
 * A mock service proxy: keeps the last synced `ProxyPlan`. Its fragments are the service
 * ports, by key; a change of node or proxy settings makes a full sync. The summary reads
 * `N service ports, N frontends, N endpoints`, endpoints counted once per service port even
 * when they are in both endpoint sets. See `MockBackend` for the contract and test hooks.
 */
export class MockProxyBackend extends MockBackend<ProxyPlan, 'proxy'> implements ProxyBackend {
  constructor() {
    super('proxy', proxyPlanShape);
  }
}
