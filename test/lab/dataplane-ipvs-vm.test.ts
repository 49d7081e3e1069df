import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it, type Context } from 'mocha';
import { planServices } from '../../src/core/planner/index.js';
import { tracePacket } from '../../src/core/simulator/index.js';
import { checkKernelVm, guestCliOf, guestProgramPath, kernelHas } from '../../src/lab/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { REPO_ROOT, runCli, type CliRun } from '../cli/run-cli.js';
import { labNamespacesOnMachine, skipUnlessRoot } from './root-helpers.js';

const FIXTURE = 'test/fixtures/dataplane/ipvs';
const NODE = 'ipvs-1';
const CLUSTER_CIDRS = ['10.63.1.0/24', '10.63.2.0/24'];
const SERVICE_CIDRS = ['10.96.0.0/16'];

/**
 * The questions, with the answers checked by hand against cluster.yaml: web's ClusterIP from
 * pod k1 reaches w1 and w2 unmasqueraded (k1 is inside the cluster CIDR); the NodePort from
 * the lab's outside client (192.168.63.250, the first subnet's .250) reaches both,
 * masqueraded (externalTrafficPolicy Cluster); empty has no endpoints: refused; 10.96.63.99 is
 * in the service CIDR 10.96.0.0/16 and no service holds it: refused.
 */
const CASES = [
  { name: 'ClusterIP from a pod', from: '10.63.1.20', to: '10.96.63.10', port: 80, verdict: 'ACCEPT' },
  { name: 'NodePort from the outside client', from: '192.168.63.250', to: '192.168.63.11', port: 30080, verdict: 'ACCEPT' },
  { name: 'ClusterIP without endpoints', from: '10.63.1.20', to: '10.96.63.12', port: 80, verdict: 'REJECT' },
  { name: 'an address of the service CIDR no service holds', from: '10.63.1.20', to: '10.96.63.99', port: 80, verdict: 'REJECT' },
] as const;

interface TraceAnswer {
  verdict: string;
  backends: string[];
  masquerade: boolean;
  explain: string[];
}

/** `kube-router ARGS...` from source, with room for a VM boot and a lab under emulation. */
function runSlowCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: REPO_ROOT, timeout: 500_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`kube-router ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Skips with a printed reason where the VM cannot run; in CI (`CI=true`) that is a failure. */
async function requireKernelVm(context: Context): Promise<void> {
  const found = await checkKernelVm();
  if (found.available) return;
  const reasons = found.reasons.join('; ');
  if (process.env['CI'] === 'true') throw new Error(`the kernel VM must run in CI but cannot: ${reasons}`);
  console.log(`    IPVS dataplane VM tests skipped: ${reasons}`);
  context.skip();
}

describe('kube-router simulate --node --dataplane ipvs: real traffic through the agents\' IPVS proxy, in the kernel VM where this kernel has no IPVS (root, qemu)', function () {
  this.timeout(600_000);
  let run: CliRun;
  let answers: TraceAnswer[];
  let namespacesBefore: string[];
  const args = [
    'simulate', '-f', FIXTURE, '--node', NODE,
    '--queries', JSON.stringify(CASES.map(({ from, to, port }) => ({ from, to, port }))),
    '--cluster-cidr', CLUSTER_CIDRS.join(','), '--service-cluster-ip-range', SERVICE_CIDRS.join(','), '--output', 'json',
  ];

  before(async function () {
    skipUnlessRoot(this);
    if (!(await kernelHas('ipvs'))) await requireKernelVm(this);
    namespacesBefore = await labNamespacesOnMachine();
    const started = performance.now();
    run = await runSlowCli([...args, '--dataplane', 'ipvs']);
    console.log(`    simulate --dataplane ipvs: ${((performance.now() - started) / 1000).toFixed(1)} s; ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    answers = JSON.parse(run.stdout) as TraceAnswer[];
  });

  it('answers every question, in order, as the lab saw it (one lab for all)', () => {
    assert.equal(answers.length, CASES.length, run.stdout);
    for (const [index, one] of CASES.entries()) {
      assert.match(answers[index]?.explain[0] ?? '', new RegExp(`^lab: \\d+ TCP connections from .* \\(${one.from.replaceAll('.', '\\.')}\\) to ${one.to.replaceAll('.', '\\.')}:${one.port}$`));
    }
  });

  for (const [index, one] of CASES.entries()) {
    it(`${one.name}: verdict, backends and masquerade equal the simulator's tracePacket (${one.verdict}, checked by hand)`, async () => {
      const { snapshot } = await loadCluster([FIXTURE]);
      const plan = planServices(snapshot, NODE, { clusterCIDRs: CLUSTER_CIDRS, serviceCIDRs: SERVICE_CIDRS });
      const expected = tracePacket(plan, { from: one.from, to: one.to, port: one.port, protocol: 'TCP' });
      assert.equal(expected.verdict, one.verdict);
      const real = answers[index];
      assert.deepEqual(
        { verdict: real?.verdict, backends: real?.backends, masquerade: real?.masquerade },
        { verdict: expected.verdict, backends: [...expected.backends].sort(), masquerade: expected.masquerade },
        JSON.stringify(real),
      );
    });
  }

  it('the simulator\'s own answer to the same --queries is the same list, in the same order', async () => {
    const simulated = await runSlowCli(args);
    assert.equal(simulated.code, 0, simulated.stderr);
    const plans = JSON.parse(simulated.stdout) as TraceAnswer[];
    assert.deepEqual(
      answers.map(({ verdict, backends, masquerade }) => ({ verdict, backends, masquerade })),
      plans.map(({ verdict, backends, masquerade }) => ({ verdict, backends: [...backends].sort(), masquerade })),
    );
  });

  it('left no lab namespace on this machine (the lab was the guest\'s)', async () => {
    assert.deepEqual(await labNamespacesOnMachine(), namespacesBefore);
  });
});

describe('the kernel VM hand-off of simulate --dataplane ipvs, without a VM', function () {
  this.timeout(60_000);

  it('a compiled CLI runs in the guest as it was started; from the sources it is bundled and run with plain node', () => {
    const cli = ['/usr/bin/node', '/opt/kube-router/bin/kube-router.js'];
    assert.deepEqual(guestCliOf(cli, 'file:///opt/kube-router/dist/src/lab/dataplane-vm.js'), { command: cli, programs: {} });
    assert.deepEqual(guestCliOf(cli, 'file:///work/src/lab/dataplane-vm.ts'), {
      command: [process.execPath, guestProgramPath('kube-router')],
      programs: { 'kube-router': '/work/src/cli/main.ts' },
    });
  });

  it('--queries (several --node questions in one run) refuses what it cannot read, in one line, exit 2', async () => {
    const base = ['simulate', '-f', FIXTURE, '--node', NODE];
    const cases: [string[], RegExp][] = [
      [[...base, '--queries', '[{"from":"10.63.1.20","to":"10.96.63.10","port":80}]', '--port', '80'], /^kube-router: --port does not go with --queries, whose entries name their own$/],
      [[...base, '--queries', '[{"from":'], /^kube-router: --queries: expected a JSON array of \{"from","to","port"\[,"protocol","node"\]\}: /],
      [[...base, '--queries', '[]'], /^kube-router: --queries: expected a non-empty JSON array/],
      [[...base, '--queries', '[{"from":"10.63.1.20","to":"10.96.63.10","port":"http"}]'], /^kube-router: --port: expected a port number 1\.\.65535, got "http"$/],
      [[...base, '--queries', '[{"from":"10.63.1.20","to":"10.96.63.10","port":80,"node":"nope"}]'], /^kube-router: --node: no node "nope" in the cluster$/],
      [['simulate', '-f', FIXTURE, '--matrix', '--queries', '[]'], /^kube-router: --queries is not used with --matrix$/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [index, [args, pattern]] of cases.entries()) {
      const run = runs[index] as CliRun;
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr.trim(), pattern);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });
});
