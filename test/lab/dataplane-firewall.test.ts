import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { Lab, type LabProtocol } from '../../src/lab/index.js';
import { applyAndCompare, assertSameMatrices, CLI, skipUnlessBackend, snapshotOf } from './dataplane-helpers.js';
import { skipUnlessRoot } from './root-helpers.js';

const FIXTURES = resolve('test/fixtures/dataplane/firewall');
const NODES = join(FIXTURES, 'cluster/nodes.yaml');
const NAMESPACES = join(FIXTURES, 'cluster/namespaces.yaml');
const PODS = join(FIXTURES, 'cluster/pods.yaml');
const SCENARIOS = readdirSync(join(FIXTURES, 'scenarios')).filter((name) => name.endsWith('.yaml')).sort();
const scenario = (name: string): string => join(FIXTURES, 'scenarios', name);
const change = (name: string): string => join(FIXTURES, 'changes', name);
const PODS_ORDER = ['alpha/a1', 'alpha/a2', 'beta/b1', 'beta/b2', 'gamma/c1'];
const PORTS = [80, 8080, 8081, 53];
const PROTOCOLS: LabProtocol[] = ['tcp', 'udp'];
// Every pod serves every probed port, so a probe that fails was stopped by the firewall.
const EXTRA_PORTS = PORTS.flatMap((port) => PROTOCOLS.map((protocol) => ({ port, protocol })));

/** One lab per backend: agents with the firewall backend on both nodes; scenarios are applied one after another. */
function labWithFirewall(backend: 'iptables' | 'nftables' | 'mock'): () => Lab {
  let lab: Lab | undefined;
  before(async function () {
    this.timeout(120_000);
    skipUnlessRoot(this);
    if (backend !== 'mock') await skipUnlessBackend(this, 'firewall', backend);
    const files = [NODES, NAMESPACES, PODS];
    lab = await Lab.up(await snapshotOf(files), {
      extraPodPorts: EXTRA_PORTS,
      agents: {
        command: CLI, manifests: files, routeBackend: 'netlink', overlayEncap: 'vxlan',
        runRouter: true, runFirewall: true, firewallBackend: backend,
      },
    });
  });
  after(async function () {
    this.timeout(60_000);
    await lab?.down();
  });
  return () => lab as Lab;
}

for (const backend of ['iptables', 'nftables'] as const) {
  describe(`dataplane: the ${backend} firewall in the lab answers as the simulator (root)`, function () {
    this.timeout(60_000);
    const lab = labWithFirewall(backend);

    it(`has ${SCENARIOS.length} scenarios, pods on both nodes`, () => {
      assert.ok(SCENARIOS.length >= 30, String(SCENARIOS.length));
      assert.deepEqual([...new Set(lab().topology.pods.map((pod) => pod.node))].sort(), ['fw-1', 'fw-2']);
    });

    for (const name of SCENARIOS) {
      it(`${name}: the lab matrix equals the simulator's`, async () => {
        const { differences } = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS, scenario(name)], PODS_ORDER, PORTS, PROTOCOLS);
        assertSameMatrices(differences, name);
      });
    }

    it('a pod relabelled while the agents run: the matrix follows (b2 app=client -> app=web under 10-all-namespaces-selector)', async () => {
      const before = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS, scenario('10-all-namespaces-selector.yaml')], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(before.differences, 'before the relabel');
      const after = await applyAndCompare(lab(), [NODES, NAMESPACES, change('pods-b2-relabelled.yaml'), scenario('10-all-namespaces-selector.yaml')], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(after.differences, 'after the relabel');
      // Checked by hand: as app=client b2 may reach b1; as app=web it is no client any more.
      assert.equal(before.lab[0]?.matrix['beta/b2']?.['beta/b1'], true);
      assert.equal(after.lab[0]?.matrix['beta/b2']?.['beta/b1'], false);
    });

    it('a namespace relabelled while the agents run: the matrix follows (beta team=b -> team=a under 07-namespace-selector)', async () => {
      const before = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS, scenario('07-namespace-selector.yaml')], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(before.differences, 'before the namespace relabel');
      const after = await applyAndCompare(lab(), [NODES, change('namespaces-beta-team-a.yaml'), PODS, scenario('07-namespace-selector.yaml')], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(after.differences, 'after the namespace relabel');
      // Checked by hand: alpha admits namespaces team=b, which beta is before and is not after.
      assert.equal(before.lab[0]?.matrix['beta/b1']?.['alpha/a1'], true);
      assert.equal(after.lab[0]?.matrix['beta/b1']?.['alpha/a1'], false);
    });

    it('a policy deleted while the agents run: the matrix follows (02-default-deny-ingress-alpha, then no policy)', async () => {
      const before = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS, scenario('02-default-deny-ingress-alpha.yaml')], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(before.differences, 'with the policy');
      const after = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS], PODS_ORDER, PORTS, PROTOCOLS);
      assertSameMatrices(after.differences, 'after deleting it');
      assert.equal(before.lab[0]?.matrix['beta/b1']?.['alpha/a1'], false);
      assert.equal(after.lab[0]?.matrix['beta/b1']?.['alpha/a1'], true);
    });
  });
}

describe('dataplane: the comparison itself, with the mock firewall (root)', function () {
  this.timeout(60_000);
  const lab = labWithFirewall('mock');

  it('without policies, the lab matrix equals the simulator\'s (every pair allowed, across nodes too)', async () => {
    const { differences, lab: found } = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS], PODS_ORDER, PORTS, PROTOCOLS, 0);
    assertSameMatrices(differences, '01-no-policy');
    // Checked by hand: no policy, so all 5 x 5 pairs on all 8 port/protocol pairs.
    assert.equal(found.length, 8);
    assert.ok(found.every((matrix) => PODS_ORDER.every((from) => PODS_ORDER.every((to) => matrix.matrix[from]?.[to] === true))));
  });

  it('the mock backend filters nothing, so the comparison fails for default deny (the check can fail)', async () => {
    const { differences } = await applyAndCompare(lab(), [NODES, NAMESPACES, PODS, scenario('02-default-deny-ingress-alpha.yaml')], PODS_ORDER, PORTS, PROTOCOLS, 0);
    // Checked by hand: alpha's 2 pods each lose the 3 pods of other namespaces and each other
    // (4 sources each, 8 cells) on each of the 8 port/protocol pairs.
    assert.equal(differences.length, 64, differences.join('\n'));
    assert.ok(differences.every((line) => line.endsWith('lab true, simulator false')), differences.join('\n'));
  });
});
