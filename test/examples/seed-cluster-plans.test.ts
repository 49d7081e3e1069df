import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'mocha';
import type { ServicePortPlan } from '../../src/core/plan/index.js';
import { planFirewall, planRoutes, planServices } from '../../src/core/planner/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { resolvedPolicy } from '../support/firewall-view.js';
import { loadCluster } from '../../src/sources/load-cluster.js';

const SEED_CLUSTER = fileURLToPath(new URL('../../examples/seed-cluster', import.meta.url));
const CLUSTER_CIDRS = ['10.1.0.0/16'];

/** `ip:port` of endpoints, sorted. */
function endpointTexts(endpoints: ServicePortPlan['clusterEndpoints']): string[] {
  return endpoints.map((endpoint) => `${endpoint.ip}:${endpoint.port}`).sort();
}

/**
 * Facts of the README's "what this exercises" and policy table, checked against the planners'
 * output for the seed cluster.
 */
describe('plans for examples/seed-cluster', () => {
  let snapshot: ClusterSnapshot;

  before(async () => {
    snapshot = (await loadCluster([SEED_CLUSTER])).snapshot;
  });

  function servicePort(node: string, key: string): ServicePortPlan {
    const plan = planServices(snapshot, node, { clusterCIDRs: CLUSTER_CIDRS });
    const found = plan.servicePorts.get(key);
    assert.ok(found, `no service port ${key} on ${node}`);
    return found;
  }

  describe('firewall', () => {
    it('isolates secure/vault-1 on kube-node1 for ingress by both secure policies, and not for egress', () => {
      const plan = planFirewall(snapshot, 'kube-node1');
      const vault = plan.pods.get('secure/vault-1');
      assert.ok(vault);
      assert.deepEqual([...vault.ingressPolicies].sort(), ['secure/allow-frontend-to-vault', 'secure/default-deny-ingress']);
      assert.deepEqual(vault.egressPolicies, []);
    });

    it('leaves pods no policy selects open, and keeps the hostNetwork pod out', () => {
      const plan = planFirewall(snapshot, 'kube-node1');
      for (const key of ['frontend/gateway-1', 'kube-system/coredns-b']) {
        const pod = plan.pods.get(key);
        assert.ok(pod, key);
        assert.deepEqual([pod.ingressPolicies, pod.egressPolicies], [[], []], key);
      }
      assert.equal(plan.pods.has('monitoring/node-exporter-kube-node1'), false);
      // kube-node1 has 6 pods, one of them hostNetwork.
      assert.equal(plan.pods.size, 5);
    });

    it('lets only role=frontend pods of team=frontend namespaces reach vault, on TCP 8080', () => {
      const plan = planFirewall(snapshot, 'kube-node1');
      const policy = resolvedPolicy(plan, 'secure/allow-frontend-to-vault');
      assert.equal(policy.ingress.length, 1);
      const rule = policy.ingress[0];
      assert.ok(rule && !rule.peers.any);
      // web-1, web-2, web-3 (terminating, still a pod), gateway-1, gateway-2.
      assert.deepEqual([...rule.peers.podIPs].sort(), ['10.1.1.2', '10.1.1.5', '10.1.2.2', '10.1.3.2', '10.1.3.7']);
      // default/toolbox is role=frontend but in default; prometheus is in monitoring.
      assert.equal(rule.peers.podIPs.includes('10.1.3.8'), false);
      assert.equal(rule.peers.podIPs.includes('10.1.2.5'), false);
      assert.deepEqual(rule.peers.cidrs, []);
      assert.deepEqual(rule.ports.map((port) => [port.protocol, port.port]), [['TCP', 8080]]);
    });

    it('makes secure/default-deny-ingress a deny-all for vault-1', () => {
      const plan = planFirewall(snapshot, 'kube-node1');
      const policy = resolvedPolicy(plan, 'secure/default-deny-ingress');
      assert.deepEqual(policy.policyTypes, ['Ingress']);
      // vault-1 (10.1.1.4) is the only pod it isolates on kube-node1.
      const isolated = plan.pods.values().filter((pod) => pod.ingressPolicies.includes('secure/default-deny-ingress'));
      assert.deepEqual(isolated.map((pod) => pod.ips.map((address) => address.ip)), [['10.1.1.4']]);
      assert.deepEqual(policy.ingress, []);
    });

    it('plans no policy on kube-master, where only coredns-a runs', () => {
      assert.equal(planFirewall(snapshot, 'kube-master').policies.size, 0);
    });
  });

  describe('service proxy', () => {
    it('gives monitoring/prometheus no local NodePort endpoint on kube-node1, and 10.1.2.5:9090 on kube-node2', () => {
      const onNode1 = servicePort('kube-node1', 'monitoring/prometheus:web/TCP');
      const nodePort1 = onNode1.frontends.find((frontend) => frontend.kind === 'NodePort');
      assert.equal(nodePort1?.port, 30090);
      assert.equal(nodePort1?.trafficPolicy, 'Local');
      assert.deepEqual(onNode1.localEndpoints, []);
      // The cluster IP still reaches the pod from everywhere.
      assert.deepEqual(endpointTexts(onNode1.clusterEndpoints), ['10.1.2.5:9090']);
      const onNode2 = servicePort('kube-node2', 'monitoring/prometheus:web/TCP');
      assert.deepEqual(endpointTexts(onNode2.localEndpoints), ['10.1.2.5:9090']);
      assert.equal(onNode2.localEndpoints[0]?.local, true);
    });

    it('sends new frontend/web connections to the two ready endpoints, not the terminating web-3', () => {
      const web = servicePort('kube-node1', 'frontend/web:http/TCP');
      assert.deepEqual(endpointTexts(web.clusterEndpoints), ['10.1.1.2:80', '10.1.2.2:80']);
      assert.equal(web.clusterEndpoints.some((endpoint) => endpoint.ip === '10.1.3.2'), false);
    });

    it('resolves the named port http to 8080 for default/echo', () => {
      const echo = servicePort('kube-node2', 'default/echo:http/TCP');
      assert.deepEqual(endpointTexts(echo.clusterEndpoints), ['10.1.2.6:8080', '10.1.3.6:8080']);
      assert.ok(echo.frontends.some((frontend) => frontend.kind === 'ExternalIP' && frontend.ip === '192.168.1.150' && frontend.port === 80));
    });

    it('does not proxy the headless backend/db service', () => {
      const plan = planServices(snapshot, 'kube-node2', { clusterCIDRs: CLUSTER_CIDRS });
      assert.equal(plan.servicePorts.values().some((port) => port.service === 'backend/db'), false);
      // 9 services, less headless db; kube-dns has 3 ports: 8 + 2 = 10 service ports.
      assert.equal(plan.servicePorts.size, 10);
    });
  });

  describe('routes', () => {
    it("routes kube-node1 to the three other nodes' pod CIDRs via their InternalIPs", () => {
      const plan = planRoutes(snapshot, 'kube-node1', { clusterCIDRs: CLUSTER_CIDRS });
      assert.deepEqual(
        plan.routes.values().map((route) => [route.destination, route.kind, route.gateway, route.node]),
        [
          ['10.1.0.0/24', 'direct', '192.168.1.99', 'kube-master'],
          ['10.1.2.0/24', 'direct', '192.168.1.101', 'kube-node2'],
          ['10.1.3.0/24', 'direct', '192.168.1.102', 'kube-node3'],
        ],
      );
      assert.equal(plan.tunnels.size, 0);
    });
  });
});
