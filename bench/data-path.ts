/**
 * The data path of a service proxy, for the proxy benches: connection setup time from a pod to
 * a service VIP on a node namespace the bench builds (a bridge, a client pod and a server pod),
 * with a plan programmed by the backend under test. The VIP is the plan's last service port,
 * so a layout that walks its services in order (iptables' KR-SERVICES) walks them all.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../src/core/ports/command-runner.js';
import { fragmentMapOf } from '../src/core/plan/fragment-map.js';
import type { ProxyPlan } from '../src/core/plan/proxy-plan.js';
import type { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';

const PEER = fileURLToPath(new URL('../test/fixtures/nftables-proxy/pod-peer.cjs', import.meta.url));

/** `base` with its first `count` service ports, the last of them pointed at the bench's server pod. */
export function dataPathPlan(base: ProxyPlan, count: number): { plan: ProxyPlan; vip: string } {
  const ports = base.servicePorts.values().slice(0, count);
  const index = ports.length - 1;
  const last = ports[index];
  const endpoint = last?.clusterEndpoints[0];
  if (last === undefined || endpoint === undefined) throw new Error('no service port with an endpoint planned');
  const vip = last.frontends.find((frontend) => frontend.kind === 'ClusterIP' && frontend.family === 'IPv4')?.ip ?? '';
  const frontends = last.frontends.map((frontend) => ({ ...frontend, port: 80 }));
  ports[index] = { ...last, frontends, clusterEndpoints: [{ ...endpoint, ip: '10.0.0.10', port: 8080 }] };
  return { plan: { ...base, servicePorts: fragmentMapOf(ports, (port) => port.key) }, vip };
}

/**
 * Milliseconds per connection over 300 sequential connections from the client pod to `vip`:80,
 * after `program` has programmed the node namespace through the runner it is given.
 * @param prefix names the bench's three namespaces (`PREFIX-xxxxxx-node`, `-srv`, `-cli`)
 */
export async function connectionSetupMs(
  exec: ExecCommandRunner,
  prefix: string,
  vip: string,
  program: (node: CommandRunner) => Promise<unknown>,
): Promise<number> {
  const base = `${prefix}-${randomBytes(3).toString('hex')}-`;
  const [node, server, client] = ['node', 'srv', 'cli'].map((name) => `${base}${name}`) as [string, string, string];
  const ip = (...args: string[]) => exec.run('ip', args);
  for (const netns of [node, server, client]) await ip('netns', 'add', netns);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await ip('-n', node, 'link', 'add', 'kube-bridge', 'type', 'bridge');
    await ip('-n', node, 'addr', 'add', '10.0.0.1/24', 'dev', 'kube-bridge');
    await ip('-n', node, 'link', 'set', 'kube-bridge', 'up');
    await exec.run('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1']);
    for (const [index, pod] of [server, client].entries()) {
      await ip('-n', node, 'link', 'add', `veth${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
      await ip('-n', node, 'link', 'set', `veth${index}`, 'master', 'kube-bridge', 'up');
      await ip('-n', pod, 'addr', 'add', `10.0.0.${10 + index}/24`, 'dev', 'eth0');
      await ip('-n', pod, 'link', 'set', 'eth0', 'up');
      await ip('-n', pod, 'route', 'add', 'default', 'via', '10.0.0.1');
    }
    const running = spawn('ip', ['netns', 'exec', server, process.execPath, PEER, 'serve', '10.0.0.10', '8080'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child = running;
    await new Promise((resolve) => running.stdout?.once('data', resolve));
    await program(new NetnsCommandRunner(exec, node));
    const count = 300;
    const probeStarted = performance.now();
    const { stdout } = await exec.run('ip', ['netns', 'exec', client, process.execPath, PEER, 'probe', vip, '80', String(count), '2000'], { timeoutMs: 120_000 });
    const elapsed = performance.now() - probeStarted;
    const answered = (JSON.parse(stdout) as string[]).filter((answer) => answer.startsWith('10.0.0.10')).length;
    if (answered !== count) throw new Error(`only ${answered} of ${count} connections answered`);
    return elapsed / count;
  } finally {
    child?.stdin?.end();
    for (const netns of [node, server, client]) await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  }
}
