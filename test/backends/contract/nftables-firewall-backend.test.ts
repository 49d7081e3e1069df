import assert from 'node:assert/strict';
import { NftablesFirewallBackend } from '../../../src/backends/nftables/firewall/nftables-firewall-backend.js';
import { peerSetName, podChainName, policyChainName } from '../../../src/backends/nftables/firewall/firewall-names.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { firewallBackendContract } from './firewall-backend-contract.js';
import { FIREWALL_SET_IDS, firewallParts, firewallPlan, firewallPlanWith } from './fixtures/firewall-plans.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

firewallBackendContract('NftablesFirewallBackend (recording runner)', () => new NftablesFirewallBackend(new RecordingCommandRunner()));

describe('NftablesFirewallBackend on the kernel, in a namespace (root)', function () {
  this.timeout(30_000);
  const { runner } = useScratchNetns('krfw-', 10_000, '-c');
  firewallBackendContract('NftablesFirewallBackend (nft in a namespace)', () => new NftablesFirewallBackend(runner));

  /** The listed table as JSON objects of one kind (`set`, `map`, `chain`, `rule`). */
  async function listed(kind: string): Promise<Record<string, unknown>[]> {
    const { stdout } = await runner.run('nft', ['-j', 'list', 'table', 'inet', 'kube-router-firewall']);
    return (JSON.parse(stdout) as { nftables: Record<string, unknown>[] }).nftables.flatMap((entry) => (entry[kind] ? [entry[kind] as Record<string, unknown>] : []));
  }

  it('reads back from the kernel the maps, sets and chains of the fixture (expected values worked out by hand)', async () => {
    const backend = new NftablesFirewallBackend(runner);
    try {
      await backend.sync(firewallPlan());
      const maps = Object.fromEntries((await listed('map')).map((map) => [map['name'], map['elem'] ?? []]));
      // web-1 and api-1 are isolated for ingress, api-1 for egress; coredns-1 is not isolated.
      const ingress = (maps['ingress-pods-v4'] as [string, unknown][]).map(([ip]) => ip).sort();
      assert.deepEqual(ingress, ['10.1.1.12', '10.1.1.5']);
      assert.deepEqual(maps['egress-pods-v4'], [['10.1.1.12', { jump: { target: podChainName('shop/api-1', 'egress') } }]]);
      const sets = Object.fromEntries((await listed('set')).map((set) => [set['name'], set['elem'] ?? []]));
      // 10.1.0.0/16 except 10.1.4.0/24 is 10.1.0.0/22 and 10.1.5.0 to 10.1.255.255.
      assert.deepEqual(sets[peerSetName({ id: FIREWALL_SET_IDS.DATABASES, kind: 'cidrs', family: 'IPv4' })], [
        { prefix: { addr: '10.1.0.0', len: 22 } },
        { range: ['10.1.5.0', '10.1.255.255'] },
      ]);
      assert.deepEqual(sets[peerSetName({ id: FIREWALL_SET_IDS.FRONTENDS, kind: 'pods', family: 'IPv4' })], ['10.1.2.20', '10.1.3.21']);
      assert.deepEqual(sets['node-v4'], ['192.168.50.11']);
      // api-1's ingress chain: itself, a jump to shop/default-deny's chain, log, reject.
      const rules = (await listed('rule')).filter((rule) => rule['chain'] === podChainName('shop/api-1', 'ingress'));
      assert.equal(rules.length, 4);
    } finally {
      await backend.cleanup();
    }
  });

  it('moves a relabelled pod in the kernel set with element commands only', async () => {
    const backend = new NftablesFirewallBackend(runner);
    try {
      await backend.sync(firewallPlan());
      const parts = firewallParts();
      parts.peerSets = parts.peerSets.map((set) => (set.id === FIREWALL_SET_IDS.FRONTENDS && set.kind === 'pods' ? { ...set, addresses: ['10.1.2.20', '10.1.2.77'] } : set));
      await backend.sync(firewallPlanWith(parts));
      const sets = Object.fromEntries((await listed('set')).map((set) => [set['name'], set['elem'] ?? []]));
      assert.deepEqual(sets[peerSetName({ id: FIREWALL_SET_IDS.FRONTENDS, kind: 'pods', family: 'IPv4' })], ['10.1.2.20', '10.1.2.77']);
    } finally {
      await backend.cleanup();
    }
  });

  it('repairs a map element deleted by hand on resync, and only then reads the table', async () => {
    const backend = new NftablesFirewallBackend(runner);
    try {
      await backend.sync(firewallPlan());
      const handle = async () => (await listed('table'))[0]?.['handle'];
      const first = await handle();
      await backend.sync(firewallPlan(), { resync: true });
      assert.equal(await handle(), first, 'a resync that finds no drift leaves the table as it is');
      await runner.run('nft', ['delete', 'element', 'inet', 'kube-router-firewall', 'egress-pods-v4', '{ 10.1.1.12 }']);
      await backend.sync(firewallPlan());
      assert.deepEqual((await listed('map')).find((map) => map['name'] === 'egress-pods-v4')?.['elem'], undefined, 'a plain sync trusts its memory');
      await backend.sync(firewallPlan(), { resync: true });
      assert.notEqual(await handle(), first, 'drift found: the table was replaced');
      assert.deepEqual((await listed('map')).find((map) => map['name'] === 'egress-pods-v4')?.['elem'], [
        ['10.1.1.12', { jump: { target: podChainName('shop/api-1', 'egress') } }],
      ]);
    } finally {
      await backend.cleanup();
    }
  });

  it('repairs on resync a rule replaced by hand with a different one, the rule count unchanged', async () => {
    const backend = new NftablesFirewallBackend(runner);
    const chain = policyChainName('shop/api-egress', 'egress');
    const ruleText = async (): Promise<string> => (await runner.run('nft', ['list', 'chain', 'inet', 'kube-router-firewall', chain])).stdout;
    try {
      await backend.sync(firewallPlan());
      const programmed = await ruleText();
      // The fixture's api-egress allows TCP 5432 to the databases ipBlock (read from the plan by hand).
      assert.match(programmed, /tcp dport 5432 accept/);
      const target = (await listed('rule')).find((rule) => rule['chain'] === chain && JSON.stringify(rule['expr']).includes('5432'));
      assert.ok(target, 'the 5432 rule is listed');
      await runner.run('nft', ['replace', 'rule', 'inet', 'kube-router-firewall', chain, 'handle', String(target['handle']), 'tcp', 'dport', '5433', 'accept']);
      const tampered = await ruleText();
      assert.doesNotMatch(tampered, /5432/);
      assert.equal(tampered.split('\n').length, programmed.split('\n').length, 'same number of rules');
      await backend.sync(firewallPlan());
      assert.equal(await ruleText(), tampered, 'a plain sync trusts its memory');
      await backend.sync(firewallPlan(), { resync: true });
      assert.equal(await ruleText(), programmed, 'the chain is back as rendered');
    } finally {
      await backend.cleanup();
    }
  });
});
