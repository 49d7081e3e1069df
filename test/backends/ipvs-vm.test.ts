import assert from 'node:assert/strict';
import type { Context } from 'mocha';
import { checkKernelVm, runInKernelVm, type KernelVmResult } from '../../src/lab/index.js';
import { REPO_ROOT } from '../cli/run-cli.js';

const REPO = REPO_ROOT.replace(/\/$/, '');

/** Skips with a printed reason where the VM cannot run; in CI (`CI=true`) that is a failure. */
async function requireKernelVm(context: Context): Promise<void> {
  const found = await checkKernelVm();
  if (found.available) return;
  const reasons = found.reasons.join('; ');
  if (process.env['CI'] === 'true') throw new Error(`the kernel VM must run in CI but cannot: ${reasons}`);
  console.log(`    IPVS VM tests skipped: ${reasons}`);
  context.skip();
}

/** In a namespace of the guest: the node script through the real port, then ipvsadm and ip read back. */
const GUEST = String.raw`
repo=$1 out=$KUBE_ROUTER_VM_OUT
ip netns add ipvs-node
# A node has addresses; IPVS refuses a real server whose address type is not unicast, which a
# namespace without a local routing table (lo down) answers for every address.
ip -n ipvs-node link set lo up
ip netns exec ipvs-node node --import tsx "$repo/test/backends/ipvs/vm-program.ts" >"$out/program.out" 2>"$out/program.err"; echo $? >"$out/program.status"
ip netns exec ipvs-node ipvsadm -Ln >"$out/ipvsadm.out" 2>&1
ip netns exec ipvs-node ip -j address show dev kube-dummy-if >"$out/dummy.out" 2>&1
`;

describe('IpvsProxyBackend in the kernel VM: the real generic netlink port (root, qemu)', function () {
  this.timeout(90_000);
  let result: KernelVmResult;
  before(async function () {
    await requireKernelVm(this);
    result = await runInKernelVm({ command: ['sh', '-c', GUEST, 'sh', REPO], cwd: REPO, timeoutMs: 80_000 });
    console.log(`    boot ${result.bootSeconds.toFixed(1)} s, guest script ${result.commandSeconds.toFixed(1)} s`);
  });

  it('the node script programmed IPVS through generic netlink', () => {
    assert.equal(result.files['program.status']?.trim(), '0', `${result.files['program.err']}${result.files['program.out']}`);
  });

  it('ipvsadm lists the virtual service with its scheduler, flag and persistence, and the drained real server at weight 0', () => {
    const listing = result.files['ipvsadm.out'] ?? '';
    // ipvsadm names IP_VS_SVC_F_SCHED1 of the sh scheduler `sh-fallback`.
    assert.match(listing, /^TCP {2}10\.96\.0\.10:80 sh \(sh-fallback\) persistent 600/m, listing);
    assert.match(listing, /-> 10\.244\.1\.2:8080 +Masq +1 /, listing);
    assert.match(listing, /-> 10\.244\.1\.3:8080 +Masq +0 /, listing);
  });

  it('the backend\'s own dump reads the same back', () => {
    const state = JSON.parse(result.files['ipvs-state.json'] ?? '{}') as {
      first: { service: Record<string, unknown>; servers: { address: string; weight: number }[] }[];
      drained: { service: Record<string, unknown>; servers: { address: string; weight: number }[] }[];
    };
    assert.deepEqual(state.first.map((one) => one.service), [
      { family: 'IPv4', protocol: 'TCP', address: '10.96.0.10', port: 80, scheduler: 'sh', flags: 0x9, timeoutSeconds: 600, netmaskPrefix: 32 },
    ]);
    assert.deepEqual(state.first[0]?.servers.map((one) => `${one.address} ${one.weight}`).sort(), ['10.244.1.2 1', '10.244.1.3 1']);
    assert.deepEqual(state.drained[0]?.servers.map((one) => `${one.address} ${one.weight}`).sort(), ['10.244.1.2 1', '10.244.1.3 0']);
  });

  it('put the ClusterIP on kube-dummy-if', () => {
    const links = JSON.parse(result.files['dummy.out'] ?? '[]') as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[];
    const inet = links.flatMap((link) => link.addr_info ?? []).filter((info) => info.family === 'inet');
    assert.deepEqual(inet.map((info) => `${info.local}/${info.prefixlen}`), ['10.96.0.10/32']);
  });
});
