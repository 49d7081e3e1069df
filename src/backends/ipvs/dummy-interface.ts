/**
 * The dummy interface that holds the service VIPs. IPVS balances only packets addressed to
 * the host (it hooks LOCAL_IN), so every ClusterIP, ExternalIP and LoadBalancer IP must be a
 * local address: kube-router puts them on a dummy link, `kube-dummy-if`, and so does this
 * backend. The netlink port of `src/backends/netlink` has no address requests and creates
 * only tunnel links, so the link and its addresses are written with `ip` through the
 * `CommandRunner` (one `ip -batch` per sync).
 *
 * @module
 */
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { canonicalAddress } from './netlink-attributes.js';

/** kube-router's name for the link. */
export const DUMMY_INTERFACE = 'kube-dummy-if';

/** Where the VIPs live: listed, changed in one step, and removed with the link. */
export interface VipInterface {
  /** The addresses on the link now (canonical text); empty when there is no link. */
  list(): Promise<string[]>;
  /** Creates the link when missing, then adds and removes addresses (host routes: /32, /128). */
  apply(add: readonly string[], remove: readonly string[]): Promise<void>;
  /** Deletes the link and every address on it; nothing when there is none. */
  removeAll(): Promise<void>;
}

function hostCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** The real {@link VipInterface}: `ip` in the runner's network namespace. */
export class DummyInterfaceAddresses implements VipInterface {
  /**
   * @param runner runs `ip` (in the namespace the backend programs)
   * @param device the link's name; default {@link DUMMY_INTERFACE}
   */
  constructor(
    private readonly runner: CommandRunner,
    private readonly device = DUMMY_INTERFACE,
  ) {}

  /** See {@link VipInterface.list}. */
  async list(): Promise<string[]> {
    if (!(await this.exists())) return [];
    const { stdout } = await this.runner.run('ip', ['-j', 'address', 'show', 'dev', this.device]);
    const links = JSON.parse(stdout || '[]') as { addr_info?: { local?: string; scope?: string }[] }[];
    return links.flatMap((link) => link.addr_info ?? []).flatMap((info) => (info.local === undefined || info.scope === 'link' ? [] : [canonicalAddress(info.local)]));
  }

  /** See {@link VipInterface.apply}. */
  async apply(add: readonly string[], remove: readonly string[]): Promise<void> {
    if (add.length === 0 && remove.length === 0) return;
    const lines: string[] = [];
    if (add.length > 0 && !(await this.exists())) {
      await this.runner.run('ip', ['link', 'add', this.device, 'type', 'dummy']);
      await this.runner.run('ip', ['link', 'set', this.device, 'up']);
    }
    for (const address of remove) lines.push(`address del ${hostCidr(address)} dev ${this.device}`);
    for (const address of add) lines.push(`address add ${hostCidr(address)} dev ${this.device}`);
    await this.runner.run('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** See {@link VipInterface.removeAll}. */
  async removeAll(): Promise<void> {
    if (await this.exists()) await this.runner.run('ip', ['link', 'del', this.device]);
  }

  private async exists(): Promise<boolean> {
    const { exitCode } = await this.runner.run('ip', ['link', 'show', 'dev', this.device], { allowedExitCodes: [1] });
    return exitCode === 0;
  }
}

/** An in-memory {@link VipInterface} for unit tests, counting its changes. */
export class MemoryVipInterface implements VipInterface {
  /** The addresses on the pretend link; undefined when there is no link. */
  addresses: Set<string> | undefined;
  /** How many {@link apply} calls changed something. */
  applyCount = 0;

  /** See {@link VipInterface.list}. */
  async list(): Promise<string[]> {
    return [...(this.addresses ?? [])].sort();
  }

  /** See {@link VipInterface.apply}; adding a present address or removing an absent one fails, as `ip` does. */
  async apply(add: readonly string[], remove: readonly string[]): Promise<void> {
    if (add.length === 0 && remove.length === 0) return;
    this.applyCount += 1;
    const next = new Set(this.addresses ?? []);
    for (const address of remove) if (!next.delete(address)) throw new Error(`${address} is not on the link`);
    for (const address of add) {
      if (next.has(address)) throw new Error(`${address} is on the link already`);
      next.add(address);
    }
    this.addresses = next;
  }

  /** See {@link VipInterface.removeAll}. */
  async removeAll(): Promise<void> {
    this.addresses = undefined;
  }
}
