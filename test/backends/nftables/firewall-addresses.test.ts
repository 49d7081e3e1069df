import assert from 'node:assert/strict';
import { cidrInterval, intervalElement, subtractIntervals } from '../../../src/backends/nftables/common/nft-addresses.js';
import { nftComment } from '../../../src/backends/nftables/common/nft-text.js';
import { NftablesFirewallBackend } from '../../../src/backends/nftables/firewall/nftables-firewall-backend.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { firewallParts, firewallPlanWith } from '../contract/fixtures/firewall-plans.js';

const elements = (cidr: string, except: string[], family: 'IPv4' | 'IPv6' = 'IPv4'): string[] =>
  subtractIntervals(cidrInterval(cidr, family)!, except.map((hole) => cidrInterval(hole, family)!)).map((interval) => intervalElement(interval, family));

describe('nftables firewall: ipBlock interval arithmetic and comments (values worked out by hand)', () => {
  it('cuts excepts out of an ipBlock as disjoint prefixes and ranges', () => {
    assert.deepEqual(elements('10.1.0.0/16', ['10.1.4.0/24']), ['10.1.0.0/22', '10.1.5.0-10.1.255.255']);
    assert.deepEqual(elements('10.0.0.0/8', ['10.0.0.0/9', '10.128.0.0/9']), []);
    assert.deepEqual(elements('0.0.0.0/0', ['10.0.0.0/8']), ['0.0.0.0-9.255.255.255', '11.0.0.0-255.255.255.255']);
    assert.deepEqual(elements('192.168.1.7/24', []), ['192.168.1.0/24'], 'host bits are ignored, as Kubernetes reads an ipBlock');
    assert.deepEqual(elements('fd00::/16', ['fd00::/17'], 'IPv6'), ['fd00:8000::/17'], 'IPv6');
  });

  it('refuses what is not a CIDR of the family', () => {
    assert.equal(cidrInterval('10.1.0.0/33', 'IPv4'), undefined);
    assert.equal(cidrInterval('fd00::/16', 'IPv4'), undefined);
    assert.equal(cidrInterval('10.1.0.0/16\nflush ruleset', 'IPv4'), undefined);
  });

  it('keeps only a safe alphabet in comments', () => {
    assert.equal(nftComment('ns/pod-1'), '"ns/pod-1"');
    assert.equal(nftComment('a"b;c#d}e\nf\\g é'), '"a_b_c_d_e_f_g _"');
    assert.equal(nftComment('x'.repeat(300)).length, 102);
  });

  it('tells each skipped input to onProblem and in describe(), failing closed', async () => {
    const told: string[] = [];
    const runner = new RecordingCommandRunner();
    const backend = new NftablesFirewallBackend(runner, { onProblem: (message) => told.push(message) });
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.kind === 'pods' ? { ...set, addresses: [...set.addresses, '10.1.2.300'] } : set));
    await backend.sync(firewallPlanWith(parts));
    assert.equal(told.length, 2, told.join('\n'));
    assert.ok(told.every((message) => /skipped a member that is not an IPv4 address/.test(message)));
    assert.equal((await backend.describe()).summary.filter((line) => line.startsWith('skipped: ')).length, 2);
    assert.doesNotMatch(runner.calls[0]?.input ?? '', /10\.1\.2\.300/);
  });
});
