import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { before, describe, it } from 'mocha';
import { matchesSelector, type EndpointPort, type Pod } from '../../src/core/model/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { loadCluster, type LoadedCluster } from '../../src/sources/load-cluster.js';

const SEED_CLUSTER = fileURLToPath(new URL('../../examples/seed-cluster', import.meta.url));

function inCidr(ip: string, cidr: string): boolean {
  const address = ipaddr.parse(ip);
  const [network, bits] = ipaddr.parseCIDR(cidr);
  return address.kind() === network.kind() && address.match(network, bits);
}

function podsSelectedBy(snapshot: ClusterSnapshot, namespace: string, selector: Readonly<Record<string, string>>): Pod[] {
  return snapshot.podsInNamespace(namespace).filter((pod) => matchesSelector({ matchLabels: selector, matchExpressions: [] }, pod.labels));
}

describe('examples/seed-cluster', () => {
  let loaded: LoadedCluster;
  let snapshot: ClusterSnapshot;

  before(async () => {
    loaded = await loadCluster([SEED_CLUSTER]);
    snapshot = loaded.snapshot;
  });

  it('loads with no problems', () => {
    assert.deepEqual(loaded.problems, []);
  });

  it('holds the objects the README counts', () => {
    assert.deepEqual(snapshot.counts(), { Node: 4, Namespace: 6, Pod: 19, Service: 9, EndpointSlice: 9, NetworkPolicy: 4 });
    assert.deepEqual(snapshot.nodes().map((node) => node.name), ['kube-master', 'kube-node1', 'kube-node2', 'kube-node3']);
    assert.deepEqual(
      snapshot.namespaces().map((namespace) => namespace.name),
      ['backend', 'default', 'frontend', 'kube-system', 'monitoring', 'secure'],
    );
    assert.deepEqual(
      snapshot.networkPolicies().map((policy) => policy.key),
      ['backend/restrict-egress', 'frontend/web-ingress', 'secure/allow-frontend-to-vault', 'secure/default-deny-ingress'],
    );
  });

  it('has the README node addresses and pod CIDRs, and pods per node', () => {
    const expected = [
      ['kube-master', '192.168.1.99', '10.1.0.0/24', 1],
      ['kube-node1', '192.168.1.100', '10.1.1.0/24', 6],
      ['kube-node2', '192.168.1.101', '10.1.2.0/24', 5],
      ['kube-node3', '192.168.1.102', '10.1.3.0/24', 7],
    ] as const;
    for (const [name, ip, cidr, pods] of expected) {
      const node = snapshot.node(name);
      assert.ok(node, name);
      assert.deepEqual(node.internalIPs, [ip], name);
      assert.deepEqual(node.podCIDRs, [cidr], name);
      assert.equal(snapshot.podsOnNode(name).length, pods, name);
    }
  });

  it('puts every pod IP in its node\'s pod CIDR, and a hostNetwork pod on its node\'s address', () => {
    let hostNetworkPods = 0;
    for (const pod of snapshot.pods()) {
      assert.equal(pod.phase, 'Running', pod.key);
      const node = pod.nodeName === undefined ? undefined : snapshot.node(pod.nodeName);
      assert.ok(node, `${pod.key} is on no known node`);
      assert.equal(pod.podIPs.length, 1, pod.key);
      for (const ip of pod.podIPs) {
        if (pod.hostNetwork) {
          hostNetworkPods++;
          assert.ok(node.internalIPs.includes(ip), `${pod.key}: ${ip} is not an address of ${node.name}`);
        } else {
          assert.ok(node.podCIDRs.some((cidr) => inCidr(ip, cidr)), `${pod.key}: ${ip} is outside ${node.podCIDRs.join(',')}`);
          assert.ok(inCidr(ip, '10.1.0.0/16'), `${pod.key}: ${ip} is outside the cluster CIDR`);
        }
      }
    }
    assert.equal(hostNetworkPods, 1);
  });

  it('gives every pod a distinct IP, except the hostNetwork one', () => {
    const ips = snapshot.pods().filter((pod) => !pod.hostNetwork).flatMap((pod) => pod.podIPs);
    assert.equal(new Set(ips).size, ips.length);
  });

  it('lists in each slice exactly the IPs of the pods its service selects', () => {
    let checked = 0;
    for (const service of snapshot.services()) {
      const slices = snapshot.endpointSlicesForService(service.key);
      assert.equal(slices.length, 1, `${service.key} should have one slice`);
      if (service.selector === undefined) continue;
      const selected = podsSelectedBy(snapshot, service.namespace, service.selector);
      assert.ok(selected.length > 0, `${service.key} selects no pod`);
      const endpoints = slices.flatMap((slice) => slice.endpoints);
      const addresses = endpoints.flatMap((endpoint) => endpoint.addresses);
      assert.deepEqual(
        [...addresses].sort(),
        selected.flatMap((pod) => pod.podIPs).sort(),
        service.key,
      );
      for (const endpoint of endpoints) {
        const pod = selected.find((candidate) => candidate.podIPs.includes(endpoint.addresses[0] ?? ''));
        assert.ok(pod);
        assert.equal(endpoint.podKey, pod.key, `${service.key}: targetRef of ${pod.key}`);
        assert.equal(endpoint.nodeName, pod.nodeName, `${service.key}: nodeName of ${pod.key}`);
      }
      checked++;
    }
    // Every service but default/kubernetes has a selector.
    assert.equal(checked, 8);
  });

  it('gives each slice port the number its service port targets on the selected pods', () => {
    for (const service of snapshot.services()) {
      const slice = snapshot.endpointSlicesForService(service.key)[0];
      assert.ok(slice, service.key);
      assert.deepEqual(slice.ports.map((port) => port.name).sort(), service.ports.map((port) => port.name).sort(), service.key);
      if (service.selector === undefined) continue;
      const selected = podsSelectedBy(snapshot, service.namespace, service.selector);
      for (const servicePort of service.ports) {
        const slicePort: EndpointPort | undefined = slice.ports.find((port) => port.name === servicePort.name);
        assert.ok(slicePort);
        assert.equal(slicePort.protocol, servicePort.protocol, `${service.key}:${servicePort.name}`);
        if (typeof servicePort.targetPort === 'number') {
          assert.equal(slicePort.port, servicePort.targetPort, `${service.key}:${servicePort.name}`);
          continue;
        }
        for (const pod of selected) {
          const declared = pod.containers
            .flatMap((container) => container.ports)
            .find((port) => port.name === servicePort.targetPort && port.protocol === servicePort.protocol);
          assert.equal(declared?.containerPort, slicePort.port, `${service.key}:${servicePort.name} on ${pod.key}`);
        }
      }
    }
  });

  it('marks web-3 terminating (not ready, still serving) and reads the kube-dns defaults as ready', () => {
    const web = snapshot.endpointSlicesForService('frontend/web').flatMap((slice) => slice.endpoints);
    const web3 = web.find((endpoint) => endpoint.addresses.includes('10.1.3.2'));
    assert.deepEqual(web3?.conditions, { ready: false, serving: true, terminating: true });
    for (const endpoint of web.filter((candidate) => candidate !== web3)) {
      assert.deepEqual(endpoint.conditions, { ready: true, serving: true, terminating: false });
    }
    const dns = snapshot.endpointSlicesForService('kube-system/kube-dns').flatMap((slice) => slice.endpoints);
    assert.equal(dns.length, 2);
    for (const endpoint of dns) assert.deepEqual(endpoint.conditions, { ready: true, serving: true, terminating: false });
  });
});
