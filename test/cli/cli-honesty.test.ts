import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { hasStackTrace, linesOf, problemLinesWithKind, REPO_ROOT, runCli, runCliWithInput } from './run-cli.js';

const NODES_YAML = readFileSync(join(REPO_ROOT, 'examples/seed-cluster/nodes.yaml'), 'utf8');

describe('kube-router CLI: input it cannot use is said, not hidden (end to end)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-cli-honesty-'));
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'no-manifests'));
    await writeFile(join(dir, 'no-manifests', 'README.md'), '# not a manifest\n');
    await mkdir(join(dir, 'unreadable'));
    await writeFile(join(dir, 'unreadable', 'nodes.yaml'), NODES_YAML);
    // An unclosed flow map: the parser refuses the file (a File problem).
    await writeFile(join(dir, 'unreadable', 'broken.yaml'), 'kind: Pod\nmetadata: {name: x\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const folder of ['empty', 'no-manifests']) {
    for (const command of ['inspect', 'agent']) {
      it(`${command} -f on a folder with no manifest (${folder}) says so and exits 2`, async () => {
        const run = await runCli([command, '-f', join(dir, folder)]);
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.equal(run.stdout, '');
        assert.deepEqual(linesOf(run.stderr), [`kube-router: no manifests found in ${join(dir, folder)} (files ending in .yaml, .yml, .json)`]);
      });
    }
  }

  it('inspect and agent give the same message and exit code without -f', async () => {
    const [inspect, agent] = await Promise.all([runCli(['inspect']), runCli(['agent'])]);
    for (const run of [inspect, agent]) {
      assert.equal(run.code, 2);
      assert.deepEqual(linesOf(run.stderr), ['kube-router: give manifests with -f PATH (a file, a folder, or - for standard input)']);
    }
  });

  it('agent -f PATH --kubeconfig or --master exits 2: watching an API server is not implemented yet', async () => {
    const [kubeconfig, master] = await Promise.all([
      runCli(['agent', '-f', 'examples/seed-cluster', '--kubeconfig', '/nonexistent']),
      runCli(['agent', '-f', 'examples/seed-cluster', '--master', 'https://10.0.0.1:6443']),
    ]);
    assert.equal(kubeconfig.code, 2);
    assert.equal(kubeconfig.stdout, '');
    assert.deepEqual(linesOf(kubeconfig.stderr), ['kube-router: --kubeconfig /nonexistent: watching an API server is not implemented yet; give manifests with -f PATH instead']);
    assert.equal(master.code, 2);
    assert.match(master.stderr, /^kube-router: --master https:\/\/10\.0\.0\.1:6443: watching an API server is not implemented yet/);
  });

  it('-f - reads standard input for inspect (four nodes of nodes.yaml)', async () => {
    const run = await runCliWithInput(['inspect', '-f', '-'], NODES_YAML);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(linesOf(run.stdout)[0], 'nodes 4, namespaces 0, pods 0, services 0, endpoint slices 0, network policies 0');
  });

  it('-f - reads standard input for agent, and problems name <stdin>', async () => {
    const run = await runCliWithInput(['agent', '-f', '-', '--run-firewall=false', '--run-service-proxy=false', '--hostname-override', 'kube-node1', '--cluster-cidr', '10.1.0.0/16'], NODES_YAML);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(linesOf(run.stdout).includes('  routes: 10.1.0.0/24 via kube-master, 10.1.2.0/24 via kube-node2, 10.1.3.0/24 via kube-node3; pod egress masqueraded outside 10.1.0.0/16'), run.stdout);
    const broken = await runCliWithInput(['inspect', '-f', '-'], 'kind: Pod\nmetadata: {name: x\n');
    assert.equal(broken.code, 1);
    const file = problemLinesWithKind(broken.stdout).find((line) => line.startsWith('error File '));
    assert.ok(file?.startsWith('error File <stdin>:'), broken.stdout);
    assert.doesNotMatch(broken.stdout, /kube-router-stdin-/);
  });

  it('empty standard input is "no manifests", exit 2', async () => {
    const run = await runCliWithInput(['inspect', '-f', '-'], '');
    assert.equal(run.code, 2);
    assert.deepEqual(linesOf(run.stderr), ['kube-router: no manifests found on standard input']);
  });

  it('agent and inspect both exit 1 over a file they cannot parse, loading the rest', async () => {
    const path = join(dir, 'unreadable');
    const [inspect, agent, agentJson] = await Promise.all([
      runCli(['inspect', '-f', path]),
      runCli(['agent', '-f', path, '--run-firewall=false', '--run-service-proxy=false']),
      runCli(['agent', '-f', path, '--run-firewall=false', '--run-service-proxy=false', '-o', 'json']),
    ]);
    for (const run of [inspect, agent]) {
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(hasStackTrace(run.stderr), false);
      assert.ok(problemLinesWithKind(run.stdout).some((line) => line.startsWith(`error File ${path}/broken.yaml:`)), run.stdout);
    }
    // The path once, not `File X: X:2:...`.
    assert.equal(inspect.stdout.split(`${path}/broken.yaml`).length - 1, 1, inspect.stdout);
    assert.match(agent.stdout, /^programmed 4 nodes: routes \(mock\); 1 error and 0 warnings in the input \(listed above\)$/m);
    // -o json: the problems are in the JSON, nothing on stderr.
    assert.equal(agentJson.code, 1);
    assert.equal(agentJson.stderr, '');
    const output = JSON.parse(agentJson.stdout) as { nodes: unknown[]; problems: { kind: string; severity: string }[] };
    assert.equal(output.nodes.length, 4);
    assert.deepEqual(output.problems.map((problem) => `${problem.severity} ${problem.kind}`), ['error File']);
  });

  it('--help ends with the exit code table', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Exit codes \(inspect and agent\):\n {2}0 {2}done: the input has no errors/);
    assert.match(run.stdout, /\n {2}1 {2}done, but the input has errors/);
    assert.match(run.stdout, /\n {2}2 {2}not done: bad or missing flags/);
  });
});
