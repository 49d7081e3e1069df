import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';

/**
 * Two node namespaces joined by a veth (192.168.50.11 and .12), each with `kube-bridge`
 * (10.1.N.1/24, br_netfilter on) and pod namespaces behind it; cross-node routes set by hand.
 * Every namespace is `krfw-<run>-...`; nothing is attached to the root namespace.
 */
export interface FirewallLabPod {
  readonly name: string;
  readonly node: 0 | 1;
  readonly netns: string;
  readonly ip: string;
  /** Its IPv6 address, fd00:N+1::host. */
  readonly ip6: string;
}

const PROBE_SCRIPT = fileURLToPath(new URL('../netlink/probe-peer.cjs', import.meta.url));
/** Prefix of every namespace these tests make. */
export const FIREWALL_LAB_PREFIX = 'krfw-';

/** The lab: nodes' runners, pods, servers, probes. */
export class FirewallLab {
  readonly host = new ExecCommandRunner(15_000);
  readonly nodes: readonly string[];
  readonly pods: FirewallLabPod[] = [];
  readonly #servers: ChildProcess[] = [];

  private constructor(readonly prefix: string) {
    this.nodes = [`${prefix}n0`, `${prefix}n1`];
  }

  /** Runs commands in node `index`'s namespace. */
  nodeRunner(index: 0 | 1): NetnsCommandRunner {
    return new NetnsCommandRunner(this.host, this.nodes[index] as string);
  }

  /** Builds two nodes with the pods `pods` (name, node, host part of 10.1.N+1.X). */
  static async up(pods: readonly { name: string; node: 0 | 1; host: number }[]): Promise<FirewallLab> {
    const lab = new FirewallLab(`${FIREWALL_LAB_PREFIX}${randomBytes(3).toString('hex')}-`);
    try {
      await lab.#build(pods);
    } catch (error) {
      await lab.down();
      throw error;
    }
    return lab;
  }

  async #batch(netns: string, lines: readonly string[]): Promise<void> {
    await this.host.run('ip', ['-n', netns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  async #build(specs: readonly { name: string; node: 0 | 1; host: number }[]): Promise<void> {
    for (const [index, spec] of specs.entries()) {
      this.pods.push({ name: spec.name, node: spec.node, netns: `${this.prefix}p${index}`, ip: `10.1.${spec.node + 1}.${spec.host}`, ip6: `fd00:${spec.node + 1}::${spec.host}` });
    }
    for (const netns of [...this.nodes, ...this.pods.map((pod) => pod.netns)]) {
      await this.host.run('ip', ['netns', 'add', netns]);
      // No duplicate address detection: IPv6 addresses are usable as soon as they are added.
      await this.host.run('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    await this.#batch(this.nodes[0] as string, [`link add eth0 type veth peer name eth0 netns ${this.nodes[1]}`]);
    for (const index of [0, 1] as const) {
      const netns = this.nodes[index] as string;
      const other = 1 - index;
      await this.#batch(netns, [
        'link set lo up',
        `address add 192.168.50.${11 + index}/24 dev eth0`,
        'link set eth0 up',
        'link add kube-bridge type bridge',
        `address add 10.1.${index + 1}.1/24 dev kube-bridge`,
        'link set kube-bridge up',
        `route add 10.1.${other + 1}.0/24 via 192.168.50.${11 + other}`,
        `address add fd00:50::${11 + index}/64 dev eth0`,
        `address add fd00:${index + 1}::1/64 dev kube-bridge`,
        `route add fd00:${other + 1}::/64 via fd00:50::${11 + other}`,
      ]);
      await this.host.run('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1',
        'net.ipv6.conf.all.forwarding=1', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1']);
    }
    for (const [index, pod] of this.pods.entries()) {
      const node = this.nodes[pod.node] as string;
      await this.#batch(node, [`link add v${index} type veth peer name eth0 netns ${pod.netns}`, `link set v${index} master kube-bridge up`]);
      await this.#batch(pod.netns, ['link set lo up', `address add ${pod.ip}/24 dev eth0`, 'link set eth0 up',
        `route add default via 10.1.${pod.node + 1}.1`, `address add ${pod.ip6}/64 dev eth0`, `route add default via fd00:${pod.node + 1}::1`]);
    }
  }

  /** Starts a TCP and UDP answerer on every pod's IPv4 and IPv6 address for each of `ports`. */
  async serve(ports: readonly number[]): Promise<void> {
    const starts = this.pods.flatMap((pod) => ports.flatMap((port) => [pod.ip, pod.ip6].map((ip) => ({ ip, port }))).map(({ ip, port }) => new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', pod.netns, process.execPath, PROBE_SCRIPT, 'serve', ip, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.#servers.push(child);
      const timer = setTimeout(() => reject(new Error(`server ${pod.name}:${port} not ready`)), 30_000);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', reject);
    })));
    await Promise.all(starts);
  }

  /** The pod called `name`. */
  pod(name: string): FirewallLabPod {
    const pod = this.pods.find((candidate) => candidate.name === name);
    if (pod === undefined) throw new Error(`no pod ${name}`);
    return pod;
  }

  /** One exchange from pod `from` (or node namespace `node:0`/`node:1`) to pod `to`. */
  async reaches(from: string, to: string, port: number, protocol: 'tcp' | 'udp' = 'tcp', family: 'IPv4' | 'IPv6' = 'IPv4'): Promise<boolean> {
    const netns = from.startsWith('node:') ? (this.nodes[Number(from.slice(5))] as string) : this.pod(from).netns;
    const { stdout } = await this.host.run('ip', ['netns', 'exec', netns, process.execPath, PROBE_SCRIPT, 'probe', family === 'IPv4' ? this.pod(to).ip : this.pod(to).ip6, String(port), protocol, '1200']);
    return (JSON.parse(stdout) as { ok: boolean }).ok;
  }

  /** Stops the servers and deletes every namespace. */
  async down(): Promise<void> {
    for (const server of this.#servers) {
      server.stdin?.end();
      server.kill('SIGKILL');
    }
    const names = [...this.nodes, ...this.pods.map((pod) => pod.netns)];
    await this.host.run('ip', ['-force', '-batch', '-'], { input: names.map((name) => `netns delete ${name}\n`).join(''), allowedExitCodes: [1] });
  }
}

/** Deletes namespaces a previous run of these tests left behind. */
export async function removeFirewallLabLeftovers(host: ExecCommandRunner): Promise<void> {
  const { stdout } = await host.run('ip', ['netns', 'list']);
  for (const name of stdout.split('\n').map((line) => line.split(' ')[0] ?? '')) {
    if (name.startsWith(FIREWALL_LAB_PREFIX)) await host.run('ip', ['netns', 'delete', name], { allowedExitCodes: [1] });
  }
}
