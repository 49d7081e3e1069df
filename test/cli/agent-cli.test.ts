import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { hasStackTrace, linesOf, REPO_ROOT, runCli, type CliRun } from './run-cli.js';

const SEED = ['-f', 'examples/seed-cluster'];
const EVERYTHING = ['--run-router', '--run-firewall', '--run-service-proxy', '--cluster-cidr', '10.1.0.0/16'];
const NODES = ['kube-master', 'kube-node1', 'kube-node2', 'kube-node3'];

/** The names in the `== node NAME (...)` headers, in order. */
function sectionNodes(stdout: string): string[] {
  return [...stdout.matchAll(/^== node (\S+) /gm)].map((match) => match[1] ?? '');
}

/** The text of one node's section, from its header to the next header. */
function sectionOf(stdout: string, node: string): string {
  const start = stdout.indexOf(`== node ${node} `);
  assert.ok(start >= 0, `no section for ${node}`);
  const next = stdout.indexOf('\n== node ', start + 1);
  return stdout.slice(start, next < 0 ? undefined : next);
}

/** Asserts an expected failure: exit 2, one line on stderr, no stack trace, nothing on stdout. */
function assertOneLineFailure(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit code ${run.code}; stderr: ${run.stderr}`);
  assert.equal(hasStackTrace(run.stderr), false, run.stderr);
  assert.equal(run.stdout, '');
  const lines = linesOf(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] ?? '', pattern);
}

interface JsonRoute {
  destination: string;
  gateway: string;
  node: string;
}

interface JsonOutput {
  nodes: {
    node: string;
    route?: { concern: string; plan: { routes: JsonRoute[] }; report: { backend: string } };
    proxy?: { plan: { servicePorts: { key: string }[] } };
    firewall?: { plan: { node: string } };
  }[];
}

describe('kube-router agent (end to end)', function () {
  this.timeout(180_000);
  let all: CliRun;
  let json: CliRun;
  let oneNode: CliRun;
  let unknownNode: CliRun;
  let nothingToRun: CliRun;
  let kubeconfig: CliRun;
  let unknownFlag: CliRun;
  let noNodes: CliRun;

  before(async () => {
    [all, json, oneNode, unknownNode, nothingToRun, kubeconfig, unknownFlag, noNodes] = await Promise.all([
      runCli(['agent', ...SEED, ...EVERYTHING, '--verbose']),
      runCli(['agent', ...SEED, ...EVERYTHING, '--output', 'json']),
      runCli(['agent', ...SEED, '--run-firewall=false', '--run-service-proxy', 'false', '--cluster-cidr', '10.1.0.0/16', '--hostname-override', 'kube-node2', '--verbose']),
      runCli(['agent', ...SEED, '--run-router', '--hostname-override', 'nope']),
      runCli(['agent', ...SEED, '--run-router=false', '--run-firewall=false', '--run-service-proxy=false']),
      runCli(['agent', '--kubeconfig', 'x', '--run-router']),
      runCli(['agent', ...SEED, '--run-router', '--no-such-flag']),
      runCli(['agent', '-f', 'examples/seed-cluster/pods.yaml', '--run-router']),
    ]);
  });

  describe('with every concern over the seed cluster (--verbose)', () => {
    it('exits 0 with nothing on stderr and one section per node, in name order', () => {
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stderr, '');
      assert.deepEqual(sectionNodes(all.stdout), NODES);
    });

    it('prints every enabled concern in every section', () => {
      for (const node of NODES) {
        const section = sectionOf(all.stdout, node);
        assert.match(section, /^ {2}routes \(mock backend\)/m, node);
        assert.match(section, /^ {2}service proxy \(mock backend\)/m, node);
        assert.match(section, /^ {2}firewall \(mock backend\)/m, node);
      }
    });

    it("routes kube-node1 to the other nodes' pod CIDRs via their InternalIPs, not to its own", () => {
      const section = sectionOf(all.stdout, 'kube-node1');
      assert.ok(section.includes('route 10.1.0.0/24 via 192.168.1.99'), section);
      assert.ok(section.includes('route 10.1.2.0/24 via 192.168.1.101'), section);
      assert.ok(section.includes('route 10.1.3.0/24 via 192.168.1.102'), section);
      assert.ok(!section.includes('route 10.1.1.0/24'), section);
    });

    it('shows the prometheus pod as a local NodePort endpoint on kube-node2 only', () => {
      // The NodePort listens on kube-node2's InternalIP (nodes.yaml), not on a placeholder.
      assert.match(sectionOf(all.stdout, 'kube-node2'), /NodePort 192\.168\.1\.101:30090 \(local\)/);
      assert.match(sectionOf(all.stdout, 'kube-node2'), /-> local: 10\.1\.2\.5:9090/);
      assert.doesNotMatch(sectionOf(all.stdout, 'kube-node1'), /-> local: 10\.1\.2\.5:9090/);
    });

    it('shows vault-1 isolated for ingress on kube-node1', () => {
      assert.match(sectionOf(all.stdout, 'kube-node1'), /pod secure\/vault-1 isolated: ingress by /);
    });
  });

  it('--output json parses and carries each node\'s route plan', () => {
    assert.equal(json.code, 0, json.stderr);
    const output = JSON.parse(json.stdout) as JsonOutput;
    assert.deepEqual(output.nodes.map((node) => node.node), NODES);
    const node1 = output.nodes[1];
    assert.ok(node1?.route && node1.proxy && node1.firewall);
    assert.equal(node1.route.report.backend, 'mock');
    assert.deepEqual(
      node1.route.plan.routes.map((route) => [route.destination, route.gateway, route.node]),
      [
        ['10.1.0.0/24', '192.168.1.99', 'kube-master'],
        ['10.1.2.0/24', '192.168.1.101', 'kube-node2'],
        ['10.1.3.0/24', '192.168.1.102', 'kube-node3'],
      ],
    );
    assert.ok(node1.proxy.plan.servicePorts.some((port) => port.key === 'frontend/web:http/TCP'));
    assert.equal(node1.firewall.plan.node, 'kube-node1');
  });

  it('--hostname-override prints only that node, and =false turns the other concerns off', () => {
    assert.equal(oneNode.code, 0, oneNode.stderr);
    assert.deepEqual(sectionNodes(oneNode.stdout), ['kube-node2']);
    assert.ok(oneNode.stdout.includes('route 10.1.1.0/24 via 192.168.1.100'), oneNode.stdout);
    assert.doesNotMatch(oneNode.stdout, /service proxy|firewall/);
  });

  it('--hostname-override of an unknown node exits 2 naming it', () => {
    assertOneLineFailure(unknownNode, /"nope"/);
  });

  it('exits 2 when every --run-* flag is false', () => {
    assertOneLineFailure(nothingToRun, /--run-router, --run-firewall and --run-service-proxy are all false/);
  });

  it('--kubeconfig without -f exits 2 saying the API source is not implemented yet', () => {
    assertOneLineFailure(kubeconfig, /not implemented yet/);
  });

  // main() documents bad flags as expected failures that exit 2; exit 1 is what inspect uses
  // for "problems found".
  it('exits 2 for an unknown flag, without a stack trace', () => {
    assert.equal(unknownFlag.code, 2, `exit code ${unknownFlag.code}; stderr: ${unknownFlag.stderr}`);
    assert.equal(hasStackTrace(unknownFlag.stderr), false);
    assert.match(unknownFlag.stderr, /--no-such-flag/);
  });

  it('manifests without nodes do not blame --hostname-override when it was not given', () => {
    assert.equal(hasStackTrace(noNodes.stderr), false, noNodes.stderr);
    const last = linesOf(noNodes.stderr).at(-1) ?? '';
    assert.doesNotMatch(last, /--hostname-override|"undefined"/);
  });
});

describe('kube-router agent routing flags (end to end)', function () {
  this.timeout(180_000);
  const NODE1 = [...SEED, '--run-router', '--hostname-override', 'kube-node1', '--output', 'json'];
  let tunnels: CliRun;
  let noOverlay: CliRun;
  let badType: CliRun;
  let badBool: CliRun;
  let netlinkAllNodes: CliRun;
  let watchAllNodes: CliRun;

  before(async () => {
    [tunnels, noOverlay, badType, badBool, netlinkAllNodes, watchAllNodes] = await Promise.all([
      runCli(['agent', ...NODE1, '--underlay-cidrs', '192.168.1.100/31', '--overlay-encap', 'vxlan']),
      runCli(['agent', ...NODE1, '--underlay-cidrs', '192.168.1.100/31', '--enable-overlay', 'false']),
      runCli(['agent', ...NODE1, '--overlay-type', 'mesh']),
      runCli(['agent', ...NODE1, '--enable-overlay', 'yes']),
      runCli(['agent', ...SEED, '--run-router', '--route-backend', 'netlink']),
      runCli(['agent', ...SEED, '--run-router', '--watch']),
    ]);
  });

  it('--underlay-cidrs and --overlay-encap reach the route planner: nodes off the subnet go through VXLAN', () => {
    assert.equal(tunnels.code, 0, tunnels.stderr);
    const plan = (JSON.parse(tunnels.stdout) as { nodes: { route: { plan: { routes: { node: string; kind: string }[]; tunnels: { type: string }[] } } }[] })
      .nodes[0]?.route.plan;
    // 192.168.1.100/31 holds .100 and .101: kube-node2 (.101) is direct, .99 and .102 are not.
    assert.deepEqual(plan?.routes.map((route) => `${route.node} ${route.kind}`), ['kube-master tunnel', 'kube-node2 direct', 'kube-node3 tunnel']);
    assert.deepEqual(plan?.tunnels.map((tunnel) => tunnel.type), ['vxlan', 'vxlan']);
  });

  it('--enable-overlay false leaves nodes off the subnet without a route', () => {
    assert.equal(noOverlay.code, 0, noOverlay.stderr);
    const routes = (JSON.parse(noOverlay.stdout) as { nodes: { route: { plan: { routes: { node: string }[] } } }[] }).nodes[0]?.route.plan.routes;
    assert.deepEqual(routes?.map((route) => route.node), ['kube-node2']);
  });

  it('rejects bad values and a kernel backend or watch without one node, in one line', () => {
    assertOneLineFailure(badType, /--overlay-type: expected subnet or full, got "mesh"/);
    assertOneLineFailure(badBool, /--enable-overlay: expected true or false, got "yes"/);
    assertOneLineFailure(netlinkAllNodes, /kernel backends .*--hostname-override/);
    assertOneLineFailure(watchAllNodes, /--watch .*--hostname-override/);
  });
});

describe('kube-router agent --watch (end to end)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-agent-watch-'));
    for (const file of await readdir(join(REPO_ROOT, 'examples/seed-cluster'))) {
      if (file.endsWith('.yaml')) await copyFile(join(REPO_ROOT, 'examples/seed-cluster', file), join(dir, file));
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.ready`, { force: true });
  });

  it('syncs, writes the ready file, follows a manifest change, and stops on SIGTERM with exit 0', async () => {
    // Outside the watched folder: the agent would read a .json there as a manifest.
    const ready = `${dir}.ready`;
    const child = spawn(process.execPath, [
      '--import', 'tsx', 'src/cli/main.ts', 'agent', '--watch', '-f', dir, '--run-router', '--hostname-override', 'kube-node1',
      '--ready-file', ready,
    ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const until = async (condition: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!condition()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await until(() => stdout.includes('ready: first sync of every concern done'), 'the ready line');
      const marker = JSON.parse(await readFile(ready, 'utf8')) as { node: string; pid: number };
      assert.equal(marker.node, 'kube-node1');
      assert.equal(marker.pid, child.pid);
      // Three other nodes' routes and the pod egress masquerade on the first (full) sync.
      assert.match(stdout, /kube-node1 route \(mock\): sync ok, full[^\n]*, 4 changed, 0 removed/);
      // Every node gone from the manifests, this one too: the three routes and the masquerade go.
      await unlink(join(dir, 'nodes.yaml'));
      await until(() => /route \(mock\): sync ok, incremental, 0 changed, 4 removed/.test(stdout), 'the routes of the removed nodes to go');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /stopping on SIGTERM/);
  });
});
