import assert from 'node:assert/strict';
import { IptablesProxyBackend } from '../../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { proxyPlan } from './fixtures/proxy-plans.js';
import { proxyBackendContract } from './proxy-backend-contract.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

proxyBackendContract('IptablesProxyBackend (recording runner)', () => new IptablesProxyBackend(new RecordingCommandRunner()));

describe('IptablesProxyBackend on the kernel, in a namespace (root)', function () {
  this.timeout(30_000);
  const { runner } = useScratchNetns('kripc-', 15_000);
  proxyBackendContract('IptablesProxyBackend (iptables-restore in a namespace)', () => new IptablesProxyBackend(runner));

  it('reads back from the kernel what the plan says, not what the backend remembers (checked by hand against the fixture)', async () => {
    const backend = new IptablesProxyBackend(runner);
    try {
      await backend.sync(proxyPlan());
      const saved = (await runner.run('iptables-save', [])).stdout;
      // Every endpoint of the fixture as a DNAT target, each cluster IP and the LB IP in the dispatch.
      for (const destination of ['10.1.1.5:8080', '10.1.2.7:8080', '10.1.1.9:53', '10.1.3.4:53', '10.1.1.12:8443', '10.1.2.11:8443']) {
        assert.match(saved, new RegExp(`-j DNAT --to-destination ${destination.replace(/\./g, '\\.')}\\n`));
      }
      for (const vip of ['172.16.0.10/32', '172.16.0.53/32', '172.16.5.20/32', '172.16.200.1/32']) {
        assert.match(saved, new RegExp(`-A KR-SERVICES -d ${vip.replace(/\./g, '\\.')} `));
      }
      assert.match(saved, /-A KR-NODEPORTS .*--dport 30080 -j KR-EXT-/);
      assert.match(saved, /-A KR-LBFW-\S+ -s 198\.51\.100\.0\/24 .* -j KR-EXT-/);
      assert.match(saved, /--rcheck --seconds 10800 --reap --name KR-SEP-\S+ --mask 255\.255\.255\.255 --rsource/);
      // Deleted by hand: a resync finds the endpoint chain's rule gone and writes it again.
      const sep = /-A (KR-SEP-\S+) -p tcp .*--to-destination 10\.1\.1\.5:8080/.exec(saved)?.[1];
      assert.ok(sep);
      await runner.run('iptables', ['-w', '-t', 'nat', '-F', sep]);
      await runner.run('iptables', ['-w', '-t', 'nat', '-D', 'PREROUTING', '-m', 'comment', '--comment', 'kube-router service portals', '-j', 'KR-SERVICES']);
      await backend.sync(proxyPlan());
      assert.doesNotMatch((await runner.run('iptables-save', ['-t', 'nat'])).stdout, /10\.1\.1\.5:8080/, 'a plain sync trusts its memory');
      await backend.sync(proxyPlan(), { resync: true });
      const repaired = (await runner.run('iptables-save', ['-t', 'nat'])).stdout;
      assert.match(repaired, /--to-destination 10\.1\.1\.5:8080/);
      assert.equal(repaired.split('\n').filter((line) => line.startsWith('-A PREROUTING') && line.endsWith('-j KR-SERVICES')).length, 1);
    } finally {
      await backend.cleanup();
    }
  });
});
