import { randomBytes } from 'node:crypto';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { NftablesProxyBackend } from '../../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { proxyBackendContract } from './proxy-backend-contract.js';

proxyBackendContract('NftablesProxyBackend (recording runner)', () => new NftablesProxyBackend(new RecordingCommandRunner()));

describe('NftablesProxyBackend on the kernel, in a namespace (root)', function () {
  this.timeout(20_000);
  const netns = `nftc-${randomBytes(3).toString('hex')}`;
  const exec = new ExecCommandRunner(10_000);
  before(async function () {
    skipUnlessRoot(this);
    await exec.run('ip', ['netns', 'add', netns]);
  });
  after(async () => {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });
  proxyBackendContract('NftablesProxyBackend (nft in a namespace)', () => new NftablesProxyBackend(new NetnsCommandRunner(exec, netns)));
});
