import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'mocha';
import { linesOf, REPO_ROOT, runCli, type CliRun } from './run-cli.js';

/**
 * The default (summary) output of `agent` over the seed cluster. Expected lines were written
 * by hand from examples/seed-cluster: nodes.yaml (addresses, pod CIDRs), pods.yaml (pods per
 * node: 1, 6, 5, 7), services.yaml (NodePorts 30080, 30090, 30443; prometheus Local with its
 * only endpoint 10.1.2.5 on kube-node2), policies.yaml (which pods each policy isolates).
 */
describe('kube-router agent summary output (end to end)', function () {
  this.timeout(180_000);
  let run: CliRun;
  let lines: string[];

  before(async () => {
    // What `npm start` runs, read from package.json so the two cannot drift apart.
    const start = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
    const args = start.split(' ').slice(3);
    assert.equal(start.split(' ').slice(0, 3).join(' '), 'tsx src/cli/main.ts agent');
    run = await runCli(['agent', ...args]);
    lines = linesOf(run.stdout);
  });

  it('npm start runs every controller (no --run-* flag) and fits one screen', () => {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(lines.length <= 40, `${lines.length} lines`);
  });

  it('gives each node one header with its address, pod CIDR and pod count', () => {
    const headers = lines.filter((line) => line.startsWith('node '));
    assert.deepEqual(headers, [
      'node kube-master (192.168.1.99; pods 10.1.0.0/24; 1 pod)',
      'node kube-node1 (192.168.1.100; pods 10.1.1.0/24; 6 pods)',
      'node kube-node2 (192.168.1.101; pods 10.1.2.0/24; 5 pods)',
      'node kube-node3 (192.168.1.102; pods 10.1.3.0/24; 7 pods)',
    ]);
  });

  it('says what each controller programs on kube-node1, NodePorts on its real address', () => {
    const at = lines.indexOf('node kube-node1 (192.168.1.100; pods 10.1.1.0/24; 6 pods)');
    assert.deepEqual(lines.slice(at + 1, at + 5), [
      '  routes: 10.1.0.0/24 via kube-master, 10.1.2.0/24 via kube-node2, 10.1.3.0/24 via kube-node3; pod egress masqueraded outside 10.1.0.0/16',
      '  service proxy: 10 service ports, NodePorts 30080, 30090, 30443 on 192.168.1.100',
      '    monitoring/prometheus:web/TCP: ClusterIP 172.16.50.10:9090, NodePort 30090 (local endpoints only) -> 10.1.2.5:9090; local here: none (dropped)',
      '  firewall: 3 pods isolated by 4 policies: backend/api-1 (egress), frontend/web-1 (ingress), secure/vault-1 (ingress)',
    ]);
  });

  it('lists what differs between nodes under the node: prometheus is local on kube-node2 only', () => {
    assert.ok(lines.includes('    monitoring/prometheus:web/TCP: ClusterIP 172.16.50.10:9090, NodePort 30090 (local endpoints only) -> 10.1.2.5:9090; local here: 10.1.2.5:9090'));
    assert.equal(lines.filter((line) => line.includes('local here: none (dropped)')).length, 3);
  });

  it('prints the service ports that are the same everywhere once', () => {
    const at = lines.indexOf('service ports programmed the same on every node (9):');
    assert.ok(at > 0, run.stdout);
    assert.ok(lines.includes('  frontend/gateway:https/TCP: ClusterIP 172.16.20.20:443, NodePort 30443, LoadBalancer 192.168.1.200:443 from 192.168.1.0/24 -> 10.1.1.5:8443, 10.1.3.7:8443'));
    assert.equal(lines.filter((line) => line.includes('backend/api:http/TCP')).length, 1);
  });

  it('drops internal words and ends with a closing line', () => {
    assert.doesNotMatch(run.stdout, /fragment/);
    assert.equal(lines.at(-1), 'programmed 4 nodes: routes (mock), service proxy (mock), firewall (mock); no problems');
  });
});
