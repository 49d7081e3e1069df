import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'mocha';
import { podPorts, type LabProtocol, type MatrixResult } from '../../src/lab/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { runCli } from '../cli/run-cli.js';
import { labNamespacesOnMachine, rootNetworkState, skipUnlessRoot } from './root-helpers.js';

const run = promisify(execFile);
const SEED = 'examples/seed-cluster';
const TWO_SUBNETS = 'test/fixtures/lab/agents-two-subnets';
const EXTRA_NODE = 'test/fixtures/lab/agents-extra-node';
const STATE_ROOT = '/run/kube-router-lab';

interface AgentRecord {
  node: string;
  pid: number;
  log: string;
}

/** Runs the CLI and fails with its output when it does not exit 0. */
async function cli(args: string[]): Promise<string> {
  const result = await runCli(args);
  assert.equal(result.code, 0, `kube-router ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `lab up ... --run-router`; returns the run id from its summary line. */
async function labUp(args: string[]): Promise<string> {
  const stdout = await cli(['lab', 'up', ...args, '--run-router']);
  const runId = /^lab ([0-9a-f]{6}):/m.exec(stdout)?.[1];
  assert.ok(runId, stdout);
  assert.match(stdout, /agents \(\w+ route backend\) synced on every node/);
  return runId;
}

async function agentsOf(runId: string): Promise<AgentRecord[]> {
  const state = JSON.parse(await readFile(`${STATE_ROOT}/${runId}/state.json`, 'utf8')) as { agents: AgentRecord[] };
  return state.agents;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The node namespace of `node` in run `runId` (the lab names them krlab-<run>-n<index>-<node>). */
async function nodeNetns(runId: string, node: string): Promise<string> {
  const found = (await labNamespacesOnMachine()).find((name) => name.startsWith(`krlab-${runId}-n`) && name.endsWith(`-${node}`));
  assert.ok(found, `no namespace for ${node} in run ${runId}`);
  return found;
}

/** The proto-17 (kube-router) routes of a namespace, as `destination via gateway dev device`. */
async function agentRoutes(netns: string): Promise<string[]> {
  const { stdout } = await run('ip', ['-n', netns, '-4', 'route', 'show', 'proto', '17']);
  return stdout.split('\n').map((line) => line.trim().replace(/\s+proto 17/, '').replace(/\s+onlink$/, '')).filter((line) => line !== '').sort();
}

async function eventuallyRoutes(netns: string, expected: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let routes = await agentRoutes(netns);
  while (JSON.stringify(routes) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    routes = await agentRoutes(netns);
  }
  assert.deepEqual(routes, expected, netns);
}

/** Brings a lab down for good (also when a test failed half way), checking nothing is left. */
async function labDown(runId: string | undefined): Promise<void> {
  if (!runId) return;
  await runCli(['lab', 'down', '--run', runId]);
}

describe('lab up --run-router: reference agents in every node namespace (root)', function () {
  this.timeout(120_000);

  describe('the seed cluster with the netlink route backend', () => {
    let runId: string | undefined;
    let rootBefore: Record<string, unknown>;
    before(async function () {
      skipUnlessRoot(this);
      rootBefore = await rootNetworkState();
      runId = await labUp(['-f', SEED, '--route-backend', 'netlink']);
    });
    after(async () => labDown(runId));

    it('programs each node\'s routes to the other nodes\' pod CIDRs in its own namespace', async () => {
      // From examples/seed-cluster/nodes.yaml: master .99 10.1.0.0/24, node1 .100 10.1.1.0/24,
      // node2 .101 10.1.2.0/24, node3 .102 10.1.3.0/24, all on 192.168.1.0/24: direct routes.
      assert.deepEqual(await agentRoutes(await nodeNetns(runId as string, 'kube-node1')), [
        '10.1.0.0/24 via 192.168.1.99 dev eth0',
        '10.1.2.0/24 via 192.168.1.101 dev eth0',
        '10.1.3.0/24 via 192.168.1.102 dev eth0',
      ]);
    });

    it('lets every pod reach every pod on other nodes (matrix on port 80, TCP and UDP)', async () => {
      const matrix = JSON.parse(await cli([
        'lab', 'matrix', '--run', runId as string, '--port', '80', '--protocol', 'tcp', '--protocol', 'udp', '--output', 'json',
      ])) as MatrixResult;
      const { snapshot } = await loadCluster([SEED]);
      const nodeOf = new Map(snapshot.pods().map((pod) => [pod.key, pod.nodeName]));
      const listens = new Map(snapshot.pods().map((pod) => [pod.key, podPorts(pod)]));
      const across = matrix.results.filter((result) => nodeOf.get(result.from) !== nodeOf.get(result.to));
      assert.ok(across.length > 0);
      let answered = 0;
      let refused = 0;
      for (const result of across) {
        const serves = (listens.get(result.to) ?? []).some((port) => port.port === 80 && port.protocol === (result.protocol as LabProtocol));
        // A pod that does not serve the port refuses from its own kernel: the packet got there.
        if (serves) {
          assert.equal(result.connected, true, JSON.stringify(result));
          answered++;
        } else {
          assert.equal(result.error, 'refused', JSON.stringify(result));
          refused++;
        }
      }
      console.log(`      seed matrix across nodes: ${across.length} probes, ${answered} answered, ${refused} refused by pods not serving the port, 0 lost`);
    });

    it('lab down stops the agents and leaves no namespace and nothing in the root namespace', async () => {
      const agents = await agentsOf(runId as string);
      assert.equal(agents.length, 4);
      assert.ok(agents.every((agent) => alive(agent.pid)));
      await cli(['lab', 'down', '--run', runId as string]);
      assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${runId}-`)), []);
      assert.deepEqual(agents.filter((agent) => alive(agent.pid)), []);
      runId = undefined;
      assert.deepEqual(await rootNetworkState(), rootBefore);
    });
  });

  describe('two subnets joined by the router, --overlay-type subnet, and lab apply', () => {
    let runId: string | undefined;
    before(async function () {
      skipUnlessRoot(this);
      runId = await labUp(['-f', TWO_SUBNETS, '--route-backend', 'netlink', '--overlay-type', 'subnet']);
    });
    after(async () => labDown(runId));

    it('routes same-subnet nodes directly and the other subnet through VXLAN', async () => {
      // lab-a and lab-b on 192.168.30.0/24, lab-c on 192.168.40.0/24 (fixture nodes.yaml).
      assert.deepEqual(await agentRoutes(await nodeNetns(runId as string, 'lab-a')), [
        '10.30.2.0/24 via 192.168.30.12 dev eth0',
        '10.30.3.0/24 via 192.168.40.13 dev tun-vxlan-v4',
      ]);
      assert.deepEqual(await agentRoutes(await nodeNetns(runId as string, 'lab-c')), [
        '10.30.1.0/24 via 192.168.30.11 dev tun-vxlan-v4',
        '10.30.2.0/24 via 192.168.30.12 dev tun-vxlan-v4',
      ]);
      const { stdout } = await run('ip', ['-n', await nodeNetns(runId as string, 'lab-a'), '-d', 'link', 'show', 'tun-vxlan-v4']);
      assert.match(stdout, /vxlan id \d+/);
    });

    it('lets pods reach each other across the subnets', async () => {
      const matrix = JSON.parse(await cli(['lab', 'matrix', '--run', runId as string, '--output', 'json'])) as MatrixResult;
      // 3 pods: 9 ordered pairs (self included) on tcp/80 and udp/80.
      assert.equal(matrix.results.length, 18);
      assert.deepEqual(matrix.results.filter((result) => !result.connected), []);
    });

    it('follows a node added with lab apply, and removed again', async () => {
      const a = await nodeNetns(runId as string, 'lab-a');
      const c = await nodeNetns(runId as string, 'lab-c');
      const stdout = await cli(['lab', 'apply', '--run', runId as string, '-f', TWO_SUBNETS, '-f', EXTRA_NODE]);
      assert.match(stdout, /nodes added: lab-d; removed: none/);
      assert.match(stdout, /pods added: default\/web-d; removed: none/);
      // lab-d is 192.168.30.14 with 10.30.4.0/24: on lab-a's subnet, off lab-c's.
      await eventuallyRoutes(a, [
        '10.30.2.0/24 via 192.168.30.12 dev eth0',
        '10.30.3.0/24 via 192.168.40.13 dev tun-vxlan-v4',
        '10.30.4.0/24 via 192.168.30.14 dev eth0',
      ]);
      await eventuallyRoutes(c, [
        '10.30.1.0/24 via 192.168.30.11 dev tun-vxlan-v4',
        '10.30.2.0/24 via 192.168.30.12 dev tun-vxlan-v4',
        '10.30.4.0/24 via 192.168.30.14 dev tun-vxlan-v4',
      ]);
      const matrix = JSON.parse(await cli(['lab', 'matrix', '--run', runId as string, '--protocol', 'tcp', '--output', 'json'])) as MatrixResult;
      assert.equal(matrix.results.length, 16);
      assert.deepEqual(matrix.results.filter((result) => !result.connected), []);

      const removed = await cli(['lab', 'apply', '--run', runId as string, '-f', TWO_SUBNETS]);
      assert.match(removed, /nodes added: none; removed: lab-d/);
      await eventuallyRoutes(a, ['10.30.2.0/24 via 192.168.30.12 dev eth0', '10.30.3.0/24 via 192.168.40.13 dev tun-vxlan-v4']);
      await eventuallyRoutes(c, ['10.30.1.0/24 via 192.168.30.11 dev tun-vxlan-v4', '10.30.2.0/24 via 192.168.30.12 dev tun-vxlan-v4']);
      assert.ok(!(await labNamespacesOnMachine()).some((name) => name.startsWith(`krlab-${runId}-`) && name.includes('lab-d')));
      assert.equal((await agentsOf(runId as string)).some((agent) => agent.node === 'lab-d'), false);
    });

    it('lab down leaves no namespace of the run and no agent process', async () => {
      const agents = await agentsOf(runId as string);
      await cli(['lab', 'down', '--run', runId as string]);
      assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${runId}-`)), []);
      assert.deepEqual(agents.filter((agent) => alive(agent.pid)), []);
      runId = undefined;
    });
  });
});
