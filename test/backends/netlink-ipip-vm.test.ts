import assert from 'node:assert/strict';
import type { Context } from 'mocha';
import { checkKernelVm, runInKernelVm, type KernelVmResult } from '../../src/lab/index.js';
import { REPO_ROOT } from '../cli/run-cli.js';

const REPO = REPO_ROOT.replace(/\/$/, '');

/** Skips with a printed reason where the VM cannot run; in CI (`CI=true`) that is a failure. */
async function requireKernelVm(context: Context): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('    IPIP VM test skipped: needs root');
    context.skip();
  }
  const found = await checkKernelVm();
  if (found.available) return;
  const reasons = found.reasons.join('; ');
  if (process.env['CI'] === 'true') throw new Error(`the kernel VM must run in CI but cannot: ${reasons}`);
  console.log(`    IPIP VM test skipped: ${reasons}`);
  context.skip();
}

/**
 * In the guest: node-a (192.168.60.11/24) and node-b (192.168.61.12/24) behind a router
 * namespace, a pod each behind kube-bridge serving HTTP on 8080. node-a is programmed by the
 * backend (ipip-vm-program.ts); node-b's return tunnel is set by hand with ip, the same
 * shape the planner gives node-b (ipip local 192.168.61.12 remote 192.168.60.11).
 */
const GUEST = String.raw`
repo=$1 out=$KUBE_ROUTER_VM_OUT
ip netns add kripip-r; ip -n kripip-r link set lo up; ip netns exec kripip-r sysctl -q -w net.ipv4.ip_forward=1
set_node() { # name underlay-address router-address pod-third-octet
  n=kripip-$1 p=kripip-p$1
  ip netns add $n; ip netns add $p; ip -n $n link set lo up; ip -n $p link set lo up
  ip -n kripip-r link add u$1 type veth peer name eth0 netns $n
  ip -n kripip-r address add $3/24 dev u$1; ip -n kripip-r link set u$1 up
  ip -n $n address add $2/24 dev eth0; ip -n $n link set eth0 up; ip -n $n route add default via $3
  ip netns exec $n sysctl -q -w net.ipv4.ip_forward=1
  ip -n $n link add kube-bridge type bridge; ip -n $n address add 10.1.$4.1/24 dev kube-bridge; ip -n $n link set kube-bridge up
  ip -n $n link add v0 type veth peer name eth0 netns $p; ip -n $n link set v0 master kube-bridge up
  ip -n $p address add 10.1.$4.5/24 dev eth0; ip -n $p link set eth0 up; ip -n $p route add default via 10.1.$4.1
  mkdir -p /tmp/www-$1/cgi-bin
  printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\npod-%s %%s\\n" "$REMOTE_ADDR"\n' $1 >/tmp/www-$1/cgi-bin/who
  chmod +x /tmp/www-$1/cgi-bin/who
  ip netns exec $p busybox httpd -p 8080 -h /tmp/www-$1
}
set_node a 192.168.60.11 192.168.60.1 1
set_node b 192.168.61.12 192.168.61.1 2
ip -n kripip-b link add tun-a type ipip local 192.168.61.12 remote 192.168.60.11
ip -n kripip-b link set tun-a up; ip -n kripip-b route add 10.1.1.0/24 dev tun-a
echo "program $(date +%s)"
timeout 200 ip netns exec kripip-a node --import tsx "$repo/test/backends/netlink/ipip-vm-program.ts" >"$out/program.out" 2>&1; echo $? >"$out/program.status"
echo "end $(date +%s)"
`;

interface IpipLink { ifname: string; mtu: number; linkinfo?: { info_kind?: string; info_data?: { local?: string; remote?: string } } }
interface KernelRoute { dst: string; dev: string; gateway?: string; flags?: string[] }

describe('NetlinkRouteBackend in the kernel VM: IPIP between two subnets (root, qemu)', function () {
  this.timeout(600_000);
  let result: KernelVmResult;
  let seen: Record<string, unknown> & { links?: IpipLink[]; kernelRoutes?: KernelRoute[]; tunnels?: { name: string }[]; error?: string };

  before(async function () {
    await requireKernelVm(this);
    result = await runInKernelVm({ command: ['sh', '-c', GUEST, 'sh', REPO], cwd: REPO, timeoutMs: 550_000, onStdout: (chunk) => process.stdout.write(`    guest: ${chunk.toString()}`) });
    console.log(`    boot ${result.bootSeconds.toFixed(1)} s, guest script ${result.commandSeconds.toFixed(1)} s`);
    seen = JSON.parse(result.files['ipip.json'] ?? '{}') as typeof seen;
  });

  it('the guest program planned and synced without error', () => {
    assert.equal(result.files['program.status']?.trim(), '0', result.files['program.out']);
    assert.equal(seen.error, undefined, seen.error);
  });

  it('the planner tunnels node-b (off node-a\'s 192.168.60.0/24) through an ipip tunnel 192.168.60.11 -> 192.168.61.12', () => {
    assert.deepEqual((seen['routes'] as { destination: string; kind: string; sameSubnet: boolean }[]).map(({ destination, kind, sameSubnet }) => ({ destination, kind, sameSubnet })),
      [{ destination: '10.1.2.0/24', kind: 'tunnel', sameSubnet: false }]);
  });

  it('ip -d link shows the ipip device with both ends, and the pod route goes through it (checked against the topology by hand)', () => {
    // tunl0 is the kernel's own fallback device, there as soon as the ipip module loads.
    const links = (seen.links ?? []).filter((one) => one.ifname !== 'tunl0');
    assert.equal(links.length, 1, JSON.stringify(links));
    const [link] = links;
    assert.equal(link?.linkinfo?.info_kind, 'ipip');
    assert.equal(link?.linkinfo?.info_data?.local, '192.168.60.11');
    assert.equal(link?.linkinfo?.info_data?.remote, '192.168.61.12');
    // IPIP adds a 20-byte outer IPv4 header to the 1500-byte underlay.
    assert.equal(link?.mtu, 1480);
    assert.equal(link?.ifname, seen.tunnels?.[0]?.name);
    const routes = (seen.kernelRoutes ?? []).map(({ dst, dev }) => ({ dst, dev }));
    assert.deepEqual(routes, [{ dst: '10.1.2.0/24', dev: link?.ifname }]);
  });

  it('TCP (HTTP) passes both ways between the pods with their own source addresses', () => {
    // busybox httpd listens on a dual-stack socket, so it reports IPv4 peers v4-mapped.
    assert.equal(seen['aToB'], 'pod-b [::ffff:10.1.1.5]');
    assert.equal(seen['bToA'], 'pod-a [::ffff:10.1.2.5]');
  });

  it('cleanup removes the tunnel and route, and pod-a no longer reaches pod-b', () => {
    assert.deepEqual((seen['linksAfter'] as IpipLink[]).map((one) => one.ifname), ['tunl0']);
    assert.deepEqual(seen['routesAfter'], []);
    assert.match(String(seen['aToBAfter']), /^failed/);
  });
});
