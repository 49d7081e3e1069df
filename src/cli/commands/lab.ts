import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { formatProblem } from '../../core/model/index.js';
import { ExecCommandRunner } from '../../exec/exec-command-runner.js';
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_STATE_ROOT,
  formatLabSummary,
  formatMatrix,
  formatProbe,
  kernelHas,
  KernelVmError,
  Lab,
  passableEnvironment,
  removeAllRuns,
  runInKernelVm,
  runLabDemo,
  visibleInGuest,
  type LabProtocol,
} from '../../lab/index.js';
import { loadCluster } from '../../sources/load-cluster.js';
import { collect, parseCidrList, parseOutput } from '../options.js';
import { FIREWALL_BACKEND_NAMES, PROXY_BACKEND_NAMES, type FirewallBackendName, type ProxyBackendName } from '../../agent/kernel-backends.js';

function parsePort(value: string, previous?: number[]): number[] {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--port: "${value}" is not a port (1-65535)`);
  return [...(previous ?? []), port];
}

function parseProtocol(value: string, previous?: LabProtocol[]): LabProtocol[] {
  const protocol = value.toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw new ConfigError(`--protocol: expected tcp or udp, got "${value}"`);
  return [...(previous ?? []), protocol];
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 60_000) throw new ConfigError(`--timeout: "${value}" is not a number of milliseconds (1-60000)`);
  return ms;
}

function parseChoice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(`${flag}: expected ${values.join(' or ')}, got "${value}"`);
  };
}

function parseBooleanFlag(flag: string): (value: string) => boolean {
  return (value) => {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new ConfigError(`${flag}: expected true or false, got "${value}"`);
  };
}

/** This same CLI (compiled, or under tsx with the loader flags it runs with), as an argv prefix. */
function thisCli(): string[] {
  return [process.execPath, ...process.execArgv, resolve(process.argv[1] ?? '')];
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new ConfigError('the lab needs root (it creates network namespaces)');
}

function parseVmTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw new ConfigError(`--timeout: "${value}" is not a number of seconds (1-3600)`);
  return seconds;
}

async function loadSnapshot(files: readonly string[]): Promise<Awaited<ReturnType<typeof loadCluster>>['snapshot']> {
  const { snapshot, problems } = await loadCluster(files);
  for (const problem of problems) console.error(formatProblem(problem));
  return snapshot;
}

/**
 * `kube-router lab ...`: bring a cluster up as network namespaces on this machine, probe it
 * from other processes, tear it down, or run the demo.
 */
export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description('the cluster\'s nodes and pods as network namespaces on this machine (needs root)');

  lab
    .command('up')
    .description('bring the nodes and pods of the manifests up; they stay up until `lab down`')
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--underlay-prefix <bits>', 'nodes whose IPv4 InternalIPs share this prefix share an L2 segment', Number, 24)
    .option('--client-address <ip>', 'IPv4 address of the outside client on the first segment')
    .option('--run-router', 'run the reference agent (kube-router agent --watch --run-router) in every node\'s namespace until `lab down`')
    .option('--route-backend <name>', 'with --run-router: netlink (kernel routes in each node namespace) or mock', parseChoice('--route-backend', ['netlink', 'mock'] as const), 'mock')
    .option('--enable-overlay <bool>', 'with --run-router: tunnel to nodes on other subnets (true or false)', parseBooleanFlag('--enable-overlay'), true)
    .option('--overlay-type <type>', 'with --run-router: subnet or full', parseChoice('--overlay-type', ['subnet', 'full'] as const), 'subnet')
    .option('--run-firewall', 'run the reference agent\'s NetworkPolicy firewall in every node\'s namespace')
    .option('--firewall-backend <name>', 'with --run-firewall: iptables, nftables or mock', parseChoice('--firewall-backend', FIREWALL_BACKEND_NAMES), 'mock')
    .option('--run-service-proxy', 'run the reference agent\'s service proxy in every node\'s namespace')
    .option('--proxy-backend <name>', 'with --run-service-proxy: iptables, nftables, ipvs or mock', parseChoice('--proxy-backend', PROXY_BACKEND_NAMES), 'mock')
    .option('--cluster-cidr <cidrs>', 'with agents: the cluster\'s pod CIDRs, comma-separated (default: the nodes\' pod CIDRs)')
    .option('--service-cluster-ip-range <cidrs>', 'with agents: service cluster IP ranges, comma-separated')
    .option('--masquerade-all', 'with --run-service-proxy: masquerade all traffic to service VIPs')
    .action(async (options: {
      file: string[]; underlayPrefix: number; clientAddress?: string;
      runRouter?: boolean; routeBackend: 'netlink' | 'mock'; enableOverlay: boolean; overlayType: 'subnet' | 'full';
      runFirewall?: boolean; firewallBackend: FirewallBackendName; runServiceProxy?: boolean; proxyBackend: ProxyBackendName;
      clusterCidr?: string; serviceClusterIpRange?: string; masqueradeAll?: boolean;
    }) => {
      requireRoot();
      if (options.runServiceProxy === true && options.proxyBackend === 'ipvs' && !(await kernelHas('ipvs'))) {
        throw new ConfigError('--proxy-backend ipvs needs IPVS (module ip_vs), which this kernel does not have: use --proxy-backend nftables or iptables, or run the lab in the kernel VM (kube-router lab vm -- ...)');
      }
      const withAgents = options.runRouter === true || options.runFirewall === true || options.runServiceProxy === true;
      const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
      const serviceRanges = parseCidrList('--service-cluster-ip-range', options.serviceClusterIpRange);
      const files = options.file.map((file) => resolve(file));
      const snapshot = await loadSnapshot(files);
      const started = Date.now();
      const up = await Lab.up(snapshot, {
        detached: true,
        underlayPrefix: options.underlayPrefix,
        clientAddress: options.clientAddress,
        agents: withAgents
          ? {
              command: thisCli(),
              manifests: files,
              routeBackend: options.routeBackend,
              enableOverlay: options.enableOverlay,
              overlayType: options.overlayType,
              // This machine's kernel has VXLAN and no IPIP.
              overlayEncap: 'vxlan',
              runRouter: options.runRouter === true,
              runFirewall: options.runFirewall === true,
              firewallBackend: options.firewallBackend,
              runServiceProxy: options.runServiceProxy === true,
              proxyBackend: options.proxyBackend,
              clusterCIDRs: clusterCIDRs.length > 0 ? clusterCIDRs : undefined,
              serviceClusterIPRanges: serviceRanges.length > 0 ? serviceRanges : undefined,
              masqueradeAll: options.masqueradeAll === true,
            }
          : undefined,
      });
      console.log(`up in ${Date.now() - started} ms`);
      for (const line of formatLabSummary(up)) console.log(line);
      if (withAgents) {
        const concerns = [
          ...(options.runRouter ? [`${options.routeBackend} route backend`] : []),
          ...(options.runFirewall ? [`${options.firewallBackend} firewall backend`] : []),
          ...(options.runServiceProxy ? [`${options.proxyBackend} proxy backend`] : []),
        ];
        console.log(`agents (${concerns.join(', ')}) synced on every node; logs in ${up.runDir}/agents/`);
      }
    });

  lab
    .command('apply')
    .description('make a running lab follow new manifests: its agents see them, new nodes and pods are built, gone ones removed')
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--run <id>', 'lab run to change (default: the newest)')
    .action(async (options: { file: string[]; run?: string }) => {
      requireRoot();
      const files = options.file.map((file) => resolve(file));
      const snapshot = await loadSnapshot(files);
      const attached = await Lab.attach({ runId: options.run });
      const started = Date.now();
      const result = await attached.apply(snapshot, files);
      const list = (items: readonly string[]): string => (items.length === 0 ? 'none' : items.join(', '));
      console.log(`applied to lab ${attached.runId} in ${Date.now() - started} ms`);
      console.log(`  nodes added: ${list(result.addedNodes)}; removed: ${list(result.removedNodes)}`);
      console.log(`  pods added: ${list(result.addedPods)}; removed: ${list(result.removedPods)}`);
    });

  lab
    .command('probe')
    .description('probe once from a pod, node (node:NAME) or the client to a pod, node, client or IP')
    .requiredOption('--from <source>', 'namespace/pod, node:NAME or client')
    .requiredOption('--to <target>', 'namespace/pod, node:NAME, client or an IP address')
    .requiredOption('--port <port>', 'port', (value: string) => parsePort(value)[0] as number)
    .option('--protocol <protocol>', 'tcp or udp', (value: string) => parseProtocol(value)[0] as LabProtocol, 'tcp' as LabProtocol)
    .option('--timeout <ms>', 'time to wait for a connection or answer', parseTimeout, DEFAULT_PROBE_TIMEOUT_MS)
    .option('--run <id>', 'lab run to use (default: the newest)')
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .action(async (options: { from: string; to: string; port: number; protocol: LabProtocol; timeout: number; run?: string; output: 'text' | 'json' }) => {
      requireRoot();
      const attached = await Lab.attach({ runId: options.run });
      const result = await attached.probe({
        from: options.from, to: options.to, port: options.port, protocol: options.protocol, timeoutMs: options.timeout,
      });
      console.log(options.output === 'json' ? JSON.stringify(result) : formatProbe(result));
      if (!result.connected) process.exitCode = 1;
    });

  lab
    .command('matrix')
    .description('probe every ordered pair of pods on every port and protocol')
    .option('--port <port>', 'port (repeatable; default 80)', parsePort)
    .option('--protocol <protocol>', 'tcp or udp (repeatable; default both)', parseProtocol)
    .option('--pod <namespace/name>', 'pod to include (repeatable; default every pod with its own namespace)', collect)
    .option('--timeout <ms>', 'per probe', parseTimeout, DEFAULT_PROBE_TIMEOUT_MS)
    .option('--run <id>', 'lab run to use (default: the newest)')
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .action(async (options: { port?: number[]; protocol?: LabProtocol[]; pod?: string[]; timeout: number; run?: string; output: 'text' | 'json' }) => {
      requireRoot();
      const attached = await Lab.attach({ runId: options.run });
      const matrix = await attached.matrix(options.pod, options.port ?? [80], options.protocol ?? ['tcp', 'udp'], { timeoutMs: options.timeout });
      console.log(options.output === 'json' ? JSON.stringify(matrix, null, 2) : formatMatrix(matrix));
    });

  lab
    .command('down')
    .description('remove every lab run on this machine (or only --run), with its namespaces and servers')
    .option('--run <id>', 'only this run')
    .action(async (options: { run?: string }) => {
      requireRoot();
      if (options.run) {
        const attached = await Lab.attach({ runId: options.run });
        await attached.down();
        console.log(`removed lab ${options.run}`);
        return;
      }
      const removed = await removeAllRuns(new ExecCommandRunner(), DEFAULT_STATE_ROOT);
      console.log(removed.length === 0 ? 'no lab was up' : `removed lab ${removed.join(', ')}`);
    });

  lab
    .command('demo')
    .description('bring the manifests up, show what works step by step, and tear everything down')
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--proxy-backend <name>', 'kernel service proxy of the agents: nftables or iptables', parseChoice('--proxy-backend', ['nftables', 'iptables'] as const), 'nftables')
    .option('--firewall-backend <name>', 'kernel NetworkPolicy firewall of the agents: nftables or iptables', parseChoice('--firewall-backend', ['nftables', 'iptables'] as const), 'nftables')
    .action(async (options: { file: string[]; proxyBackend: 'nftables' | 'iptables'; firewallBackend: 'nftables' | 'iptables' }) => {
      requireRoot();
      const files = options.file.map((file) => resolve(file));
      // The agent is this same CLI (compiled, or under tsx with the loader flags it runs with).
      const agentCommand = [
        ...thisCli(),
        'agent', ...files.flatMap((file) => ['-f', file]),
        '--run-router', '--run-firewall', '--run-service-proxy',
      ];
      await runLabDemo(await loadSnapshot(files), {
        agentCommand, cli: thisCli(), manifests: files, proxyBackend: options.proxyBackend, firewallBackend: options.firewallBackend,
      });
    });

  registerLabVmCommand(lab);
}

/**
 * `kube-router lab vm -- COMMAND...`: the command in a VM booting Debian's kernel under qemu,
 * for the kernel features this machine's kernel lacks. Its output is streamed and its exit
 * code becomes the CLI's; a VM that cannot run or start is one line and exit 2.
 */
function registerLabVmCommand(lab: Command): void {
  lab
    .command('vm')
    .description(
      "run a command in a VM booting Debian's kernel under qemu's software emulation, with this machine's " +
        'root shared read-only and no network device; exits with the command\'s exit code (needs root, ' +
        'qemu-system-x86, linux-image-amd64, busybox-static)',
    )
    .option('--timeout <seconds>', 'kill the VM after this long, boot included', parseVmTimeout, 300)
    .option('--console', "show the guest's serial console on standard error")
    .argument('<command...>', 'program and arguments; put them after -- so their options are not read as these')
    .action(async (command: string[], options: { timeout: number; console?: boolean }) => {
      // The guest sees the host's root, so the directory is kept; /tmp and /run are the
      // guest's own, so a directory there does not exist inside.
      const here = process.cwd();
      const cwd = visibleInGuest(here) ? here : '/';
      if (cwd !== here) console.error(`kube-router: ${here} is not visible in the VM; running in /`);
      try {
        const result = await runInKernelVm({
          command,
          cwd,
          // As a command run on the host would get it; the guest runs the host's programs.
          env: passableEnvironment(process.env),
          timeoutMs: options.timeout * 1000,
          onStdout: (chunk) => process.stdout.write(chunk),
          onStderr: (chunk) => process.stderr.write(chunk),
          onConsole: options.console ? (text) => process.stderr.write(text) : undefined,
        });
        process.exitCode = result.exitCode;
      } catch (error) {
        if (!(error instanceof KernelVmError)) throw error;
        console.error(`kube-router: ${error.message}`);
        process.exitCode = 2;
      }
    });
}
