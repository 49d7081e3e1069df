import type { ProgrammedState, SyncOptions } from '../../../src/core/backend/backend.js';
import type { FirewallBackend } from '../../../src/core/backend/concern-backends.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import type { SyncReport } from '../../../src/core/plan/sync-report.js';
import { IptablesFirewallBackend } from '../../../src/backends/iptables/index.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { assertKernelHolds } from '../iptables/kernel-firewall-state.js';
import { firewallBackendContract } from './firewall-backend-contract.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

firewallBackendContract('IptablesFirewallBackend (recording runner)', () => new IptablesFirewallBackend(new RecordingCommandRunner()));

/**
 * The backend with every sync and cleanup followed by a read of the kernel (`iptables-save`,
 * `ip6tables-save`, `ipset save`) that must hold exactly the synced plan's chains, rule
 * counts, jumps and set members: the contract's expectations then hold for the kernel, not
 * just for the backend's memory.
 */
class KernelCheckedFirewall implements FirewallBackend {
  readonly name = 'iptables';
  readonly concern = 'firewall' as const;
  constructor(private readonly inner: IptablesFirewallBackend, private readonly runner: NetnsCommandRunner) {}
  async sync(plan: FirewallPlan, options?: SyncOptions): Promise<SyncReport> {
    const report = await this.inner.sync(plan, options);
    await assertKernelHolds(this.runner, plan, ['IPv4', 'IPv6']);
    return report;
  }
  async cleanup(): Promise<void> {
    await this.inner.cleanup();
    await assertKernelHolds(this.runner, undefined, ['IPv4', 'IPv6']);
  }
  describe(): Promise<ProgrammedState<FirewallPlan>> {
    return this.inner.describe();
  }
}

describe('IptablesFirewallBackend on the kernel, in a namespace (root)', function () {
  this.timeout(30_000);
  const { netns, exec } = useScratchNetns('krfw-c', 10_000);
  firewallBackendContract('IptablesFirewallBackend (kernel read back after every sync)', () => {
    const runner = new NetnsCommandRunner(exec, netns);
    return new KernelCheckedFirewall(new IptablesFirewallBackend(runner), runner);
  });
});
