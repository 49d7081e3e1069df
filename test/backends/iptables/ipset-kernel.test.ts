import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'mocha';
import { NetnsCommandRunner, ipsetPayload, peerSetName, peerSetUpdate } from '../../../src/backends/iptables/index.js';
import type { PeerSet } from '../../../src/core/plan/firewall-plan.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';

const PREFIX = 'krfw-';
const host = new ExecCommandRunner(10_000);

async function leftovers(): Promise<string[]> {
  const { stdout } = await host.run('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name.startsWith(PREFIX));
}

describe('firewall ipsets in a network namespace (root)', function () {
  this.timeout(20_000);
  const netns = `${PREFIX}${randomBytes(3).toString('hex')}`;
  let runner: NetnsCommandRunner;

  before(async function () {
    skipUnlessRoot(this);
    for (const name of await leftovers()) await host.run('ip', ['netns', 'delete', name], { allowedExitCodes: [1] });
    await host.run('ip', ['netns', 'add', netns]);
    runner = new NetnsCommandRunner(host, netns);
  });
  after(async () => {
    if (runner) await host.run('ip', ['netns', 'delete', netns], { allowedExitCodes: [1] });
  });

  const member = async (name: string, entry: string): Promise<boolean> =>
    (await runner.run('ipset', ['test', name, entry], { allowedExitCodes: [1] })).exitCode === 0;

  it('matches an ipBlock minus its except, and swaps new members in without a temporary left', async () => {
    const block: PeerSet = { id: 'b', kind: 'cidrs', family: 'IPv4', cidr: '10.1.0.0/16', except: ['10.1.4.0/24'] };
    const live = peerSetName(block);
    await runner.run('ipset', ['restore'], { input: ipsetPayload(peerSetUpdate(block, false).prepare) });
    assert.equal(await member(live, '10.1.2.3'), true);
    assert.equal(await member(live, '10.1.4.9'), false, 'the except');
    assert.equal(await member(live, '10.2.0.1'), false, 'outside the block');

    const moved: PeerSet = { ...block, except: ['10.1.2.0/24'] };
    const update = peerSetUpdate(moved, true);
    await runner.run('ipset', ['restore'], { input: ipsetPayload([...update.prepare, ...update.commit]) });
    assert.equal(await member(live, '10.1.2.3'), false);
    assert.equal(await member(live, '10.1.4.9'), true);
    const names = (await runner.run('ipset', ['list', '-n'])).stdout.split('\n').filter(Boolean);
    assert.deepEqual(names, [live]);
  });

  it('holds the whole address space for 0.0.0.0/0 and IPv6 pod addresses in an inet6 set', async () => {
    const all: PeerSet = { id: 'all', kind: 'cidrs', family: 'IPv4', cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] };
    const pods: PeerSet = { id: 'p6', kind: 'pods', family: 'IPv6', addresses: ['fd00::5'] };
    await runner.run('ipset', ['restore'], { input: ipsetPayload([...peerSetUpdate(all, false).prepare, ...peerSetUpdate(pods, false).prepare]) });
    assert.equal(await member(peerSetName(all), '200.1.1.1'), true);
    assert.equal(await member(peerSetName(all), '1.1.1.1'), true);
    assert.equal(await member(peerSetName(all), '10.9.9.9'), false);
    assert.equal(await member(peerSetName(pods), 'fd00::5'), true);
    assert.equal(await member(peerSetName(pods), 'fd00::6'), false);
  });
});
