import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeRouterConflist, writeCniConfig } from '../../../src/backends/netlink/cni-config.js';
import { ConfigError } from '../../../src/core/errors.js';

describe('kube-router CNI configuration', () => {
  it('writes a new conflist: bridge kube-bridge, host-local ranges per pod CIDR, gateway, no ipMasq', () => {
    assert.deepEqual(kubeRouterConflist(undefined, { podCIDRs: ['10.1.1.0/24', 'fd00:1::/64'], mtu: 1450 }), {
      cniVersion: '0.3.0',
      name: 'mynet',
      plugins: [{
        name: 'kubernetes', type: 'bridge', bridge: 'kube-bridge', isGateway: true, isDefaultGateway: true, ipMasq: false, mtu: 1450,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.1.0/24' }], [{ subnet: 'fd00:1::/64' }]] },
      }],
    });
  });

  it('keeps unknown fields and other plugins, folds a legacy subnet into ranges, keeps range extras', () => {
    const existing = {
      cniVersion: '0.4.0', name: 'net', custom: { keep: true },
      plugins: [
        { type: 'bridge', bridge: 'old', hairpinMode: true, extra: 1, ipam: { type: 'host-local', subnet: '10.9.0.0/24', dataDir: '/x', ranges: [[{ subnet: '10.1.1.0/24', gateway: '10.1.1.1' }]] } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
    const result = kubeRouterConflist(existing, { podCIDRs: ['10.1.1.0/24'] }) as { plugins: Record<string, unknown>[]; custom: unknown; cniVersion: string };
    assert.equal(result.cniVersion, '0.4.0');
    assert.deepEqual(result.custom, { keep: true });
    assert.deepEqual(result.plugins[1], { type: 'portmap', capabilities: { portMappings: true } });
    assert.deepEqual(result.plugins[0], {
      type: 'bridge', bridge: 'kube-bridge', hairpinMode: true, extra: 1, isGateway: true, isDefaultGateway: true, ipMasq: false,
      ipam: { type: 'host-local', dataDir: '/x', ranges: [[{ subnet: '10.1.1.0/24', gateway: '10.1.1.1' }]] },
    });
    assert.deepEqual(existing.plugins[0]?.bridge, 'old', 'the input is not changed');
  });

  it('refuses a pod CIDR that is not one and an MTU out of range', () => {
    assert.throws(() => kubeRouterConflist(undefined, { podCIDRs: ['10.1.1.0'] }), ConfigError);
    assert.throws(() => kubeRouterConflist(undefined, { podCIDRs: [], mtu: 20 }), ConfigError);
  });

  it('writes atomically, and leaves an identical file alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kr-cni-'));
    try {
      const path = join(dir, '10-kuberouter.conflist');
      await writeFile(path, JSON.stringify({ cniVersion: '0.3.0', name: 'mynet', plugins: [{ type: 'bridge', ipam: { type: 'host-local' } }] }));
      assert.equal((await writeCniConfig(path, { podCIDRs: ['10.1.2.0/24'] })).changed, true);
      assert.match(await readFile(path, 'utf8'), /"subnet": "10.1.2.0\/24"/);
      assert.equal((await writeCniConfig(path, { podCIDRs: ['10.1.2.0/24'] })).changed, false);
      assert.deepEqual(await readdir(dir), ['10-kuberouter.conflist'], 'no temporary file is left');
      await writeFile(path, '{ not json');
      await assert.rejects(writeCniConfig(path, { podCIDRs: ['10.1.2.0/24'] }), ConfigError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
