import type { FirewallBackend, ProxyBackend } from '../core/backend/index.js';
import { ConfigError } from '../core/errors.js';
import type { CommandRunner } from '../core/ports/command-runner.js';
import type { BackendFactories } from './compose.js';

/** The firewall backends an agent can run: `--firewall-backend`. */
export const FIREWALL_BACKEND_NAMES = ['iptables', 'nftables', 'mock'] as const;
/** One of {@link FIREWALL_BACKEND_NAMES}. */
export type FirewallBackendName = (typeof FIREWALL_BACKEND_NAMES)[number];

/** The service proxy backends an agent can run: `--proxy-backend`. */
export const PROXY_BACKEND_NAMES = ['iptables', 'nftables', 'ipvs', 'mock'] as const;
/** One of {@link PROXY_BACKEND_NAMES}. */
export type ProxyBackendName = (typeof PROXY_BACKEND_NAMES)[number];

/** Which kernel backends to run for the firewall and the service proxy. */
export interface KernelBackendChoice {
  /** Default `mock`. */
  readonly firewall?: FirewallBackendName | undefined;
  /** Default `mock`. */
  readonly proxy?: ProxyBackendName | undefined;
}

/**
 * `base` with the firewall and proxy backends `choice` names. Kernel backends program the
 * network namespace that `runner`'s commands run in (this process's, or a node namespace's
 * through a `NetnsCommandRunner`). Each backend module is loaded only when chosen, so an agent
 * on the mock backends never loads kernel code.
 *
 * @throws ConfigError for a backend this build cannot run
 */
export async function withKernelBackends(
  base: BackendFactories,
  choice: KernelBackendChoice,
  runner: CommandRunner,
): Promise<BackendFactories> {
  const firewall = await firewallFactory(choice.firewall ?? 'mock', runner);
  const proxy = await proxyFactory(choice.proxy ?? 'mock', runner);
  return {
    ...base,
    ...(firewall ? { firewall } : {}),
    ...(proxy ? { proxy } : {}),
  };
}

async function firewallFactory(name: FirewallBackendName, runner: CommandRunner): Promise<((node: string) => FirewallBackend) | undefined> {
  switch (name) {
    case 'mock':
      return undefined;
    case 'iptables': {
      const { IptablesFirewallBackend } = await import('../backends/iptables/firewall/iptables-firewall-backend.js');
      return () => new IptablesFirewallBackend(runner);
    }
    case 'nftables': {
      const { NftablesFirewallBackend } = await import('../backends/nftables/firewall/nftables-firewall-backend.js');
      return () => new NftablesFirewallBackend(runner);
    }
  }
}

async function proxyFactory(name: ProxyBackendName, runner: CommandRunner): Promise<((node: string) => ProxyBackend) | undefined> {
  switch (name) {
    case 'mock':
      return undefined;
    case 'iptables': {
      const { IptablesProxyBackend } = await import('../backends/iptables/proxy/iptables-proxy-backend.js');
      return () => new IptablesProxyBackend(runner);
    }
    case 'nftables': {
      const { NftablesProxyBackend } = await import('../backends/nftables/proxy/nftables-proxy-backend.js');
      return () => new NftablesProxyBackend(runner);
    }
    case 'ipvs': {
      const ipvs = await import('../backends/ipvs/index.js');
      // The generic netlink socket programs the namespace this process runs in; the agent's
      // runner runs its commands there too (a node namespace's agent runs inside it).
      let port: Awaited<ReturnType<typeof ipvs.GenericNetlinkIpvsPort.open>>;
      try {
        port = await ipvs.GenericNetlinkIpvsPort.open();
      } catch (error) {
        throw new ConfigError(
          `--proxy-backend ipvs: this kernel has no IPVS (generic netlink family IPVS: ${(error as Error).message}); load ip_vs or use nftables`,
        );
      }
      return () => new ipvs.IpvsProxyBackend(port, new ipvs.DummyInterfaceAddresses(runner), { netfilter: new ipvs.IpvsNetfilter(runner) });
    }
  }
}
