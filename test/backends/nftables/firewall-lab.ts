import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';

/**
 * Two node namespaces joined by one veth (192.168.50.11 and .12, fd00:50::11 and ::12), each
 * with `kube-bridge` (10.1.N.1/24, fd00:N::1/64), br_netfilter's `bridge-nf-call-iptables` and
 * `-ip6tables` on, and dual-stack pods behind it; every namespace named `krfp-<run>-`, nothing in
 * or attached to the root namespace.
 */

/** A pod as built. */
export interface LabPod {
  readonly name: string;
  readonly node: 0 | 1;
  readonly netns: string;
  readonly ip: string;
  /** Its IPv6 address, fd00:(node+1)::(5+i). */
  readonly ip6: string;
}

const PROBE_SCRIPT = fileURLToPath(new URL('../netlink/probe-peer.cjs', import.meta.url));

/** The lab; build with {@link FirewallLab.up}, remove with {@link FirewallLab.down}. */
export class FirewallLab {
  readonly runner = new ExecCommandRunner(15_000);
  readonly nodes: readonly string[];
  readonly nodeAddresses = ['192.168.50.11', '192.168.50.12'] as const;
  readonly nodeAddresses6 = ['fd00:50::11', 'fd00:50::12'] as const;
  private readonly servers: ChildProcess[] = [];

  private constructor(
    readonly prefix: string,
    readonly pods: readonly LabPod[],
  ) {
    this.nodes = [`${prefix}n0`, `${prefix}n1`];
  }

  /** Builds nodes and pods (`pods`: name and node index, addresses 10.1.(node+1).(5+i) and fd00:(node+1)::(5+i)). */
  static async up(pods: readonly { name: string; node: 0 | 1 }[]): Promise<FirewallLab> {
    const prefix = `krfp-${randomBytes(3).toString('hex')}-`;
    const counters = [0, 0];
    const built = pods.map((pod, index) => {
      const host = 5 + counters[pod.node]!++;
      return { name: pod.name, node: pod.node, netns: `${prefix}p${index}`, ip: `10.1.${pod.node + 1}.${host}`, ip6: `fd00:${pod.node + 1}::${host}` };
    });
    const lab = new FirewallLab(prefix, built);
    try {
      await lab.build();
    } catch (error) {
      await lab.down();
      throw error;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const all = [...this.nodes, ...this.pods.map((pod) => pod.netns)];
    await this.runner.run('ip', ['-batch', '-'], { input: all.map((name) => `netns add ${name}\n`).join('') });
    // No duplicate address detection: IPv6 addresses are usable as soon as they are added.
    for (const netns of all) await this.exec(netns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await this.batch(this.nodes[0]!, [`link add eth0 type veth peer name eth0 netns ${this.nodes[1]}`]);
    for (const [index, netns] of this.nodes.entries()) {
      const other = index === 0 ? 2 : 1;
      await this.batch(netns, [
        'link set lo up',
        `address add ${this.nodeAddresses[index]}/24 dev eth0`,
        'link set eth0 up',
        'link add kube-bridge type bridge',
        `address add 10.1.${index + 1}.1/24 dev kube-bridge`,
        'link set kube-bridge up',
        `route add 10.1.${other}.0/24 via ${this.nodeAddresses[other - 1]}`,
        `address add ${this.nodeAddresses6[index]}/64 dev eth0`,
        `address add fd00:${index + 1}::1/64 dev kube-bridge`,
        `route add fd00:${other}::/64 via ${this.nodeAddresses6[other - 1]}`,
      ]);
      await this.exec(netns, [
        'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1',
        'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1',
      ]);
    }
    for (const [index, pod] of this.pods.entries()) {
      await this.batch(this.nodes[pod.node]!, [`link add v${index} type veth peer name eth0 netns ${pod.netns}`, `link set v${index} master kube-bridge up`]);
      await this.batch(pod.netns, ['link set lo up', `address add ${pod.ip}/24 dev eth0`, 'link set eth0 up', `route add default via 10.1.${pod.node + 1}.1`,
        `address add ${pod.ip6}/64 dev eth0`, `route add default via fd00:${pod.node + 1}::1`]);
    }
  }

  /** The pod called `name`. */
  pod(name: string): LabPod {
    const pod = this.pods.find((candidate) => candidate.name === name);
    if (!pod) throw new Error(`no pod ${name}`);
    return pod;
  }

  private async batch(netns: string, lines: readonly string[]): Promise<void> {
    await this.runner.run('ip', ['-n', netns, '-batch', '-'], { input: lines.map((line) => `${line}\n`).join('') });
  }

  private async exec(netns: string, argv: readonly string[]): Promise<string> {
    return (await this.runner.run('ip', ['netns', 'exec', netns, ...argv])).stdout;
  }

  /** Starts a TCP and UDP answerer on every pod's IPv4 and IPv6 address, on each of `ports`. */
  async startServers(ports: readonly number[]): Promise<void> {
    const jobs = this.pods.flatMap((pod) => [pod.ip, pod.ip6].flatMap((ip) => ports.map((port) => new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', pod.netns, process.execPath, PROBE_SCRIPT, 'serve', ip, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.servers.push(child);
      const timer = setTimeout(() => reject(new Error(`server in ${pod.netns} not ready`)), 30_000);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', reject);
    }))));
    await Promise.all(jobs);
  }

  /** One exchange from namespace `from` (a pod's or a node's) to `ip`:`port`. */
  async reaches(from: string, ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<boolean> {
    const stdout = await this.exec(from, [process.execPath, PROBE_SCRIPT, 'probe', ip, String(port), protocol, '1200']);
    return (JSON.parse(stdout) as { ok: boolean }).ok;
  }

  /** Stops the servers and removes every namespace. */
  async down(): Promise<void> {
    for (const server of this.servers) {
      server.stdin?.end();
      server.kill('SIGKILL');
    }
    const all = [...this.nodes, ...this.pods.map((pod) => pod.netns)];
    await this.runner.run('ip', ['-force', '-batch', '-'], { input: all.map((name) => `netns delete ${name}\n`).join(''), allowedExitCodes: [1] });
  }
}
