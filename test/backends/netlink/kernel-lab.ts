import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';

/**
 * A small lab for the netlink backend's kernel tests, built here rather than with `Lab` so the
 * tests control every address: node namespaces on one or two underlay subnets (an L2 bridge in
 * an underlay namespace each, a router namespace joining them), each node with `kube-bridge`
 * holding its pod CIDR's first address and one pod namespace behind it. Every namespace
 * carries the prefix `krnl-<run>-`; nothing is created in, or attached to, the root namespace
 * (veths are created with both ends already in lab namespaces).
 */

/** A node to build. */
export interface KernelLabNodeSpec {
  readonly name: string;
  /** Index into the subnets: 0 is 192.168.50.0/24, 1 is 192.168.60.0/24. */
  readonly subnet: 0 | 1;
  /** Host part of its underlay address. */
  readonly host: number;
  /** Third octet of its pod CIDR, 10.1.N.0/24. */
  readonly podSubnet: number;
}

/** A node as built. */
export interface KernelLabNode {
  readonly name: string;
  readonly netns: string;
  readonly podNetns: string;
  readonly address: string;
  readonly podCidr: string;
  readonly bridgeAddress: string;
  readonly podAddress: string;
  readonly subnet: 0 | 1;
}

const SUBNETS = ['192.168.50', '192.168.60'] as const;
const PREFIX = 'krnl-';
const PROBE_SCRIPT = fileURLToPath(new URL('./probe-peer.cjs', import.meta.url));

/** The lab: its namespaces, helpers to run inside them, and teardown. */
export class KernelLab {
  readonly runner = new ExecCommandRunner(15_000);
  private readonly servers: ChildProcess[] = [];

  private constructor(
    readonly prefix: string,
    readonly nodes: readonly KernelLabNode[],
    private readonly namespaces: readonly string[],
  ) {}

  /** Builds the lab; on failure removes what it built. */
  static async up(specs: readonly KernelLabNodeSpec[]): Promise<KernelLab> {
    const prefix = `${PREFIX}${randomBytes(3).toString('hex')}-`;
    const subnets = [...new Set(specs.map((spec) => spec.subnet))];
    const routed = subnets.length > 1;
    const nodes: KernelLabNode[] = specs.map((spec, index) => ({
      name: spec.name,
      netns: `${prefix}n${index}`,
      podNetns: `${prefix}p${index}`,
      address: `${SUBNETS[spec.subnet]}.${spec.host}`,
      podCidr: `10.1.${spec.podSubnet}.0/24`,
      bridgeAddress: `10.1.${spec.podSubnet}.1`,
      podAddress: `10.1.${spec.podSubnet}.5`,
      subnet: spec.subnet,
    }));
    const underlays = subnets.map((subnet) => `${prefix}u${subnet}`);
    const router = routed ? `${prefix}router` : undefined;
    const namespaces = [...underlays, ...(router ? [router] : []), ...nodes.flatMap((node) => [node.netns, node.podNetns])];
    const lab = new KernelLab(prefix, nodes, namespaces);
    try {
      await lab.build(subnets, underlays, router);
    } catch (error) {
      await lab.down();
      throw error;
    }
    return lab;
  }

  private async build(subnets: readonly number[], underlays: readonly string[], router: string | undefined): Promise<void> {
    await this.runner.run('ip', ['-batch', '-'], { input: this.namespaces.map((name) => `netns add ${name}\n`).join('') });
    // No duplicate address detection: IPv6 link-local addresses (and their routes) are then in
    // place when `link set up` returns, so a node's state read right after the build is stable.
    await Promise.all(this.nodes.map((node) => this.exec(node.netns, ['sysctl', '-q', '-w',
      'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0'])));
    for (const [position, subnet] of subnets.entries()) {
      const lines = ['link set lo up', 'link add br0 type bridge', 'link set br0 up'];
      for (const [index, node] of this.nodes.entries()) {
        if (node.subnet !== subnet) continue;
        lines.push(`link add n${index} type veth peer name eth0 netns ${node.netns}`, `link set n${index} master br0 up`);
      }
      if (router) lines.push(`link add r${subnet} type veth peer name u${subnet} netns ${router}`, `link set r${subnet} master br0 up`);
      await this.batch(underlays[position] as string, lines);
    }
    if (router) {
      await this.batch(router, ['link set lo up', ...subnets.flatMap((subnet) => [
        `address add ${SUBNETS[subnet]}.1/24 dev u${subnet}`, `link set u${subnet} up`])]);
      await this.exec(router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    }
    for (const [index, node] of this.nodes.entries()) {
      await this.batch(node.netns, [
        'link set lo up',
        `address add ${node.address}/24 dev eth0`,
        'link set eth0 up',
        ...(router ? [`route add default via ${SUBNETS[node.subnet]}.1 dev eth0`] : []),
        'link add kube-bridge type bridge',
        `address add ${node.bridgeAddress}/24 dev kube-bridge`,
        'link set kube-bridge up',
        `link add veth${index} type veth peer name eth0 netns ${node.podNetns}`,
        `link set veth${index} master kube-bridge up`,
      ]);
      await this.exec(node.netns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      await this.batch(node.podNetns, [
        'link set lo up',
        `address add ${node.podAddress}/24 dev eth0`,
        'link set eth0 up',
        `route add default via ${node.bridgeAddress} dev eth0`,
      ]);
    }
  }

  /** Runs `ip -n NS -batch -` with `lines`. */
  async batch(netns: string, lines: readonly string[]): Promise<void> {
    await this.runner.run('ip', ['-n', netns, '-batch', '-'], { input: lines.map((line) => `${line}\n`).join('') });
  }

  /** Runs `argv` inside `netns`; resolves with standard output. */
  async exec(netns: string, argv: readonly string[]): Promise<string> {
    return (await this.runner.run('ip', ['netns', 'exec', netns, ...argv])).stdout;
  }

  /** JSON of `ip -n NS -j ARGS`. */
  async ipJson(netns: string, args: readonly string[]): Promise<unknown> {
    const { stdout } = await this.runner.run('ip', ['-n', netns, '-j', ...args]);
    return JSON.parse(stdout || '[]');
  }

  /**
   * A node namespace's routing state: routes (both families, every table), links, rules and
   * the nftables ruleset, without what changes by itself (counters, timers).
   */
  async nodeState(netns: string): Promise<Record<string, unknown>> {
    const volatile = new Set(['stats64', 'stats', 'expires', 'valid_life_time', 'preferred_life_time']);
    const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value), (key, field: unknown) => (volatile.has(key) ? undefined : field));
    return {
      routes4: strip(await this.ipJson(netns, ['-4', 'route', 'show', 'table', 'all'])),
      routes6: strip(await this.ipJson(netns, ['-6', 'route', 'show', 'table', 'all'])),
      links: strip(await this.ipJson(netns, ['link'])),
      rules: strip(await this.ipJson(netns, ['rule'])),
      nft: (await this.exec(netns, ['nft', 'list', 'ruleset'])).trim(),
    };
  }

  /** Starts a TCP and UDP answerer on every pod, on `port`. */
  async startServers(port: number): Promise<void> {
    await Promise.all(this.nodes.map((node) => new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', node.podNetns, process.execPath, PROBE_SCRIPT, 'serve', node.podAddress, String(port)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      this.servers.push(child);
      const timer = setTimeout(() => reject(new Error(`server in ${node.podNetns} not ready`)), 5_000);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', reject);
    })));
  }

  /** One TCP or UDP exchange from `from`'s pod to `address`, bounded by `timeoutMs`. */
  async probe(from: KernelLabNode, address: string, port: number, protocol: 'tcp' | 'udp', timeoutMs = 1_500): Promise<boolean> {
    const stdout = await this.exec(from.podNetns, [process.execPath, PROBE_SCRIPT, 'probe', address, String(port), protocol, String(timeoutMs)]);
    return (JSON.parse(stdout) as { ok: boolean }).ok;
  }

  /** Every ordered pair of pods, each protocol: the failures (empty when all reached). */
  async unreachablePairs(port: number): Promise<string[]> {
    const jobs: Promise<string | undefined>[] = [];
    for (const from of this.nodes) {
      for (const to of this.nodes) {
        if (from === to) continue;
        for (const protocol of ['tcp', 'udp'] as const) {
          jobs.push(this.probe(from, to.podAddress, port, protocol).then((ok) => (ok ? undefined : `${from.name} -> ${to.name} ${protocol}`)));
        }
      }
    }
    return (await Promise.all(jobs)).filter((failure): failure is string => failure !== undefined);
  }

  /** Stops the servers and removes every namespace of the lab. */
  async down(): Promise<void> {
    for (const server of this.servers) {
      server.stdin?.end();
      server.kill('SIGKILL');
    }
    await this.runner.run('ip', ['-force', '-batch', '-'], {
      input: this.namespaces.map((name) => `netns delete ${name}\n`).join(''),
      allowedExitCodes: [1],
    });
  }
}
