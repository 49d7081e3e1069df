import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it } from 'mocha';
import { kernelHas } from '../../src/lab/index.js';
import { REPO_ROOT, runCli, type CliRun } from '../cli/run-cli.js';
import { skipUnlessBackend } from './dataplane-helpers.js';
import { labNamespacesOnMachine, skipUnlessRoot } from './root-helpers.js';

const FIREWALL = ['-f', 'test/fixtures/dataplane/firewall/cluster', '-f', 'test/fixtures/dataplane/firewall/scenarios/08-ns-and-pod-selector.yaml'];
const PROXY = ['-f', 'test/fixtures/dataplane/proxy'];

async function json(args: string[]): Promise<unknown> {
  const run = await runCli(args);
  assert.equal(run.code, 0, `kube-router ${args.join(' ')}\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

describe('kube-router simulate --dataplane (root, end to end)', function () {
  this.timeout(120_000);
  before(async function () {
    skipUnlessRoot(this);
    await skipUnlessBackend(this, 'firewall', 'nftables');
    await skipUnlessBackend(this, 'proxy', 'nftables');
  });

  it('--matrix --dataplane nftables prints exactly what --matrix prints, and leaves no namespace behind', async () => {
    const before = await labNamespacesOnMachine();
    const args = ['simulate', ...FIREWALL, '--matrix', '--port', '80', '--port', '8081', '--protocol', 'TCP', '--protocol', 'UDP', '--output', 'json'];
    const [simulated, real] = await Promise.all([json(args), json([...args, '--dataplane', 'nftables'])]);
    assert.deepEqual(real, simulated);
    // Checked by hand (AND peer: only beta/b2 may reach alpha): b1 is denied, b2 allowed.
    const first = (real as { results: { matrix: Record<string, Record<string, boolean>> }[] }).results[0];
    assert.equal(first?.matrix['beta/b1']?.['alpha/a1'], false);
    assert.equal(first?.matrix['beta/b2']?.['alpha/a1'], true);
    assert.deepEqual(await labNamespacesOnMachine(), before);
  });

  it('--node --dataplane nftables: verdict, backends and masquerade as --node answers them', async () => {
    const args = ['simulate', ...PROXY, '--node', 'px-1', '--from', '10.62.1.20', '--to', '10.96.62.10', '--port', '80', '--cluster-cidr', '10.62.1.0/24,10.62.2.0/24', '--output', 'json'];
    const [simulated, real] = (await Promise.all([json(args), json([...args, '--dataplane', 'nftables'])])) as { verdict: string; backends: string[]; masquerade: boolean }[];
    assert.deepEqual({ verdict: real?.verdict, backends: real?.backends, masquerade: real?.masquerade },
      { verdict: simulated?.verdict, backends: [...(simulated?.backends ?? [])].sort(), masquerade: simulated?.masquerade });
  });

  it('--node --dataplane iptables --service-cluster-ip-range: an address no service holds is refused, as the simulator says', async () => {
    const args = ['simulate', ...PROXY, '--node', 'px-1', '--from', '10.62.1.20', '--to', '10.96.62.99', '--port', '80', '--cluster-cidr', '10.62.1.0/24,10.62.2.0/24', '--service-cluster-ip-range', '10.96.0.0/16', '--output', 'json'];
    const [simulated, real] = (await Promise.all([json(args), json([...args, '--dataplane', 'iptables'])])) as { verdict: string; backends: string[]; masquerade: boolean }[];
    // Checked by hand: 10.96.62.99 is inside 10.96.0.0/16 and no service of the fixture holds it.
    assert.equal(simulated?.verdict, 'REJECT');
    assert.deepEqual({ verdict: real?.verdict, backends: real?.backends, masquerade: real?.masquerade },
      { verdict: simulated?.verdict, backends: simulated?.backends, masquerade: simulated?.masquerade });
  });
});

describe('kube-router lab up --proxy-backend ipvs (root)', function () {
  this.timeout(60_000);
  before(function () {
    skipUnlessRoot(this);
  });

  it('is refused in one line, before anything is built, on a kernel without IPVS', async function () {
    if (await kernelHas('ipvs')) {
      console.log('    skipped: this kernel has IPVS, so nothing is refused');
      this.skip();
    }
    const before = await labNamespacesOnMachine();
    const run = await runCli(['lab', 'up', ...PROXY, '--run-service-proxy', '--proxy-backend', 'ipvs']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^kube-router: --proxy-backend ipvs needs IPVS \(module ip_vs\), which this kernel does not have: use --proxy-backend nftables or iptables/);
    assert.deepEqual(await labNamespacesOnMachine(), before);
  });
});

describe('kube-router simulate --dataplane ipvs without IPVS and without the kernel VM (root)', function () {
  this.timeout(60_000);
  before(function () {
    skipUnlessRoot(this);
  });

  /** The CLI with a PATH that holds no qemu (nor anything else): the kernel VM cannot run. */
  function runWithoutQemu(args: readonly string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, PATH: '/nonexistent' }, timeout: 50_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
  }

  it('is refused in one line naming what is missing, exit 2, before anything is built', async function () {
    if (await kernelHas('ipvs')) {
      console.log('    skipped: this kernel has IPVS, so simulate runs the lab here and needs no VM');
      this.skip();
    }
    const before = await labNamespacesOnMachine();
    const run = await runWithoutQemu(['simulate', ...PROXY, '--node', 'px-1', '--from', '10.62.1.20', '--to', '10.96.62.10', '--port', '80', '--dataplane', 'ipvs']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^kube-router: --dataplane ipvs needs IPVS \(module ip_vs\), which this kernel does not have, and the kernel VM that has it cannot run here: .*qemu-system-x86_64 is missing \(install qemu-system-x86\).*\. Use --dataplane nftables or iptables\n$/);
    assert.equal(run.stdout, '');
    assert.deepEqual(await labNamespacesOnMachine(), before);
  });

  it('a source that is no one in the lab is refused on this machine, before any VM boots', async function () {
    const run = await runWithoutQemu(['simulate', ...PROXY, '--node', 'px-1', '--from', '10.9.9.9', '--to', '10.96.62.10', '--port', '80', '--dataplane', 'ipvs']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^kube-router: --dataplane: --from 10\.9\.9\.9 is no pod, node or the outside client of the lab/);
  });
});
