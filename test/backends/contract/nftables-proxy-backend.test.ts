import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { NftablesProxyBackend } from '../../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import assert from 'node:assert/strict';
import { proxyPlan } from './fixtures/proxy-plans.js';
import { proxyBackendContract } from './proxy-backend-contract.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

proxyBackendContract('NftablesProxyBackend (recording runner)', () => new NftablesProxyBackend(new RecordingCommandRunner()));

describe('NftablesProxyBackend on the kernel, in a namespace (root)', function () {
  this.timeout(20_000);
  const { netns, exec } = useScratchNetns('nftc-', 10_000);
  proxyBackendContract('NftablesProxyBackend (nft in a namespace)', () => new NftablesProxyBackend(new NetnsCommandRunner(exec, netns)));
});

describe('NftablesProxyBackend read back from the kernel (root)', function () {
  this.timeout(20_000);
  const { runner } = useScratchNetns('nftr-', 10_000);

  it('programs a dispatch element per IPv4 frontend and an endpoint element per (frontend, slot) of the fixture plan', async () => {
    const backend = new NftablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    const list = async (map: string) => JSON.parse((await runner.run('nft', ['-j', 'list', 'map', 'inet', 'kube-router-proxy', map])).stdout) as { nftables: { map?: { elem?: unknown[] } }[] };
    const count = async (map: string) => (await list(map)).nftables.find((entry) => entry.map)?.map?.elem?.length ?? 0;
    // Fixture by hand: VIP frontends web, dns-tcp, dns, shop ClusterIP, shop LB; one NodePort (web 30080).
    assert.equal(await count('services-4'), 5);
    assert.equal(await count('nodeports-4'), 1);
    // Endpoint elements: web 2 + dns 2 + dns 2 (shop uses affinity chains, not the map); NodePort 2.
    assert.equal(await count('vip-cluster-endpoints-4'), 6);
    assert.equal(await count('np-cluster-endpoints-4'), 2);
    assert.equal(await count('service-checks-4'), 1);
    await backend.cleanup();
    assert.equal((await runner.run('nft', ['list', 'tables'])).stdout.trim(), '');
  });
});
