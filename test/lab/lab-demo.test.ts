import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'mocha';
import { runLabDemo } from '../../src/lab/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { labNamespacesOnMachine, rootNetworkState, skipUnlessRoot } from './root-helpers.js';

const SEED = resolve('examples/seed-cluster');
const AGENT = [
  process.execPath, '--import', 'tsx', resolve('src/cli/main.ts'),
  'agent', '-f', SEED, '--run-router', '--run-firewall', '--run-service-proxy',
];

describe('lab demo on the seed cluster (root)', function () {
  this.timeout(120_000);
  before(function () {
    skipUnlessRoot(this);
  });

  it('runs the agent in each node, shows what works and what is not there yet, and leaves nothing', async () => {
    const rootBefore = await rootNetworkState();
    const namespacesBefore = await labNamespacesOnMachine();
    const { snapshot } = await loadCluster([SEED]);
    const lines: string[] = [];
    const steps = await runLabDemo(snapshot, {
      print: (line) => lines.push(line),
      agentCommand: AGENT,
      cli: [process.execPath, '--import', 'tsx', resolve('src/cli/main.ts')],
      manifests: [SEED],
      proxyBackend: 'nftables',
      firewallBackend: 'nftables',
    });

    // Counted by hand from examples/seed-cluster: 3 other nodes each; 10 proxied service ports
    // (db is headless); policies selecting pods on the node (web-1, api-1, vault-1 on node1).
    assert.ok(lines.includes('  kube-node1: planned 3 routes, 10 service ports, 4 policies'), lines.join('\n'));
    assert.ok(lines.includes('  kube-node2: planned 3 routes, 10 service ports, 2 policies'), lines.join('\n'));
    assert.ok(lines.includes('  kube-master: planned 3 routes, 10 service ports, 0 policies'), lines.join('\n'));

    assert.equal(steps.length, 5);
    const [sameNode, acrossNodes, service, nodePort, policy] = steps;
    const local = sameNode?.results[0];
    assert.equal(local?.connected, true);
    // No NAT on the bridge: the server saw the source pod's own address.
    assert.equal(local?.answeredBy, local?.to);
    assert.match(local?.sourceSeen ?? '', /^10\.1\.\d+\./);

    // Routed by the watching agents' netlink backend: the far pod answers, seeing the source's own IP.
    assert.equal(acrossNodes?.results[0]?.connected, true, JSON.stringify(acrossNodes));
    assert.equal(acrossNodes?.missing, undefined);
    assert.match(acrossNodes?.title ?? '', /netlink route backend/);
    assert.match(acrossNodes?.results[0]?.sourceSeen ?? '', /^10\.1\./);
    // Through the agents' nftables proxy: every connection answered by an endpoint of the
    // service (the endpoint slices of examples/seed-cluster name them), counted per endpoint.
    assert.ok((service?.results.length ?? 0) > 1);
    assert.equal(service?.missing, undefined, JSON.stringify(service));
    assert.ok(service?.results.every((result) => result.connected && result.answeredBy !== undefined), JSON.stringify(service?.results));
    assert.match(service?.title ?? '', /answers per endpoint: /);
    assert.equal(nodePort?.missing, undefined, JSON.stringify(nodePort));
    assert.equal(nodePort?.results[0]?.connected, true);
    // The policy blocks, then (removed with lab apply) the same probe connects.
    assert.equal(policy?.missing, undefined, JSON.stringify(policy));
    assert.equal(policy?.results[0]?.connected, false);
    assert.equal(policy?.results[1]?.connected, true);

    assert.deepEqual(await labNamespacesOnMachine(), namespacesBefore);
    assert.deepEqual(await rootNetworkState(), rootBefore);
  });
});
