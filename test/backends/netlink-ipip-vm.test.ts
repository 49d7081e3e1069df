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
 * namespace, a pod each behind kube-bridge serving HTTP on 8080. Both nodes are programmed by
 * the backend: the program (ipip-vm-program.ts, bundled on the host) runs in each node's
 * namespace at once, syncs that node's plan and waits; the script sends HTTP both ways, then
 * lets both clean up and tries again.
 */
const GUEST = String.raw`
out=$KUBE_ROUTER_VM_OUT
echo "setup start $(date +%s.%N)"
ip netns add kripip-r; ip -n kripip-r link set lo up; ip netns exec kripip-r sysctl -q -w net.ipv4.ip_forward=1
# Each namespace's links, addresses and routes in one ip -batch: every fork costs under emulation.
set_node() { # name underlay-address router-address pod-third-octet
  n=kripip-$1 p=kripip-p$1
  ip netns add $n; ip netns add $p
  ip -n kripip-r -b - <<EOF
link add u$1 type veth peer name eth0 netns $n
address add $3/24 dev u$1
link set u$1 up
EOF
  ip -n $n -b - <<EOF
link set lo up
address add $2/24 dev eth0
link set eth0 up
route add default via $3
link add kube-bridge type bridge
address add 10.1.$4.1/24 dev kube-bridge
link set kube-bridge up
link add v0 type veth peer name eth0 netns $p
link set v0 master kube-bridge up
EOF
  ip -n $p -b - <<EOF
link set lo up
address add 10.1.$4.5/24 dev eth0
link set eth0 up
route add default via 10.1.$4.1
EOF
  ip netns exec $n sysctl -q -w net.ipv4.ip_forward=1
  mkdir -p /tmp/www-$1/cgi-bin
  printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\npod-%s %%s\\n" "$REMOTE_ADDR"\n' $1 >/tmp/www-$1/cgi-bin/who
  chmod +x /tmp/www-$1/cgi-bin/who
  ip netns exec $p busybox httpd -p 8080 -h /tmp/www-$1
}
# One HTTP GET with curl (exit 7 refused, 28 timed out) from pod namespace $1 to $2, into file $3, within $4 s.
fetch() { ip netns exec $1 curl -sS --max-time $4 "$2" >"$out/$3" 2>&1; echo $? >"$out/$3.status"; }
set_node a 192.168.60.11 192.168.60.1 1
set_node b 192.168.61.12 192.168.61.1 2
echo "programs start $(date +%s.%N)"
for node in a b; do
  case $node in a) underlay=192.168.60.11/24 ;; b) underlay=192.168.61.12/24 ;; esac
  timeout 240 ip netns exec kripip-$node node "$KUBE_ROUTER_VM_PROGRAMS/ipip.mjs" node-$node $underlay >"$out/program-$node.out" 2>&1 &
  eval "pid_$node=$!"
done
waited=0
until [ -e /tmp/kripip-node-a.ready ] && [ -e /tmp/kripip-node-b.ready ]; do
  sleep 0.2; waited=$((waited + 1)); [ $waited -lt 1000 ] || break
  # A program that died before saying ready never will.
  kill -0 $pid_a 2>/dev/null && kill -0 $pid_b 2>/dev/null || { sleep 1; break; }
done
echo "programs synced $(date +%s.%N)"
fetch kripip-pa http://10.1.2.5:8080/cgi-bin/who a-to-b 5
fetch kripip-pb http://10.1.1.5:8080/cgi-bin/who b-to-a 5
touch /tmp/kripip-cleanup
wait $pid_a; echo $? >"$out/program-a.status"
wait $pid_b; echo $? >"$out/program-b.status"
echo "programs cleaned up $(date +%s.%N)"
fetch kripip-pa http://10.1.2.5:8080/cgi-bin/who a-to-b-after 2
`;

interface IpipLink { ifname: string; mtu: number; flags?: string[]; linkinfo?: { info_kind?: string; info_data?: { local?: string; remote?: string } } }
interface KernelRoute { dst: string; dev: string; gateway?: string; flags?: string[] }
interface NodeRecord {
  routes?: { destination: string; kind: string; sameSubnet: boolean }[];
  tunnels?: { name: string }[];
  links?: IpipLink[];
  kernelRoutes?: KernelRoute[];
  linksAfter?: IpipLink[];
  routesAfter?: KernelRoute[];
  error?: string;
  startedSeconds?: number;
  syncedSeconds?: number;
}

/**
 * What each node must have, worked out by hand from the topology above: its tunnel runs from
 * its own underlay address to the other node's, and the other node's pod subnet goes through
 * it with the other node's underlay address as gateway, onlink (the gateway is not on any
 * subnet of the tunnel device).
 */
const EXPECTED = {
  'node-a': { local: '192.168.60.11', remote: '192.168.61.12', podSubnet: '10.1.2.0/24' },
  'node-b': { local: '192.168.61.12', remote: '192.168.60.11', podSubnet: '10.1.1.0/24' },
} as const;

describe('NetlinkRouteBackend in the kernel VM: IPIP between two subnets, both nodes programmed (root, qemu)', function () {
  this.timeout(400_000);
  let result: KernelVmResult;
  const nodes: Record<string, NodeRecord> = {};

  before(async function () {
    await requireKernelVm(this);
    result = await runInKernelVm({
      command: ['sh', '-c', GUEST],
      cwd: REPO,
      programs: { ipip: 'test/backends/netlink/ipip-vm-program.ts' },
      timeoutMs: 350_000,
      onStdout: (chunk) => process.stdout.write(`    guest: ${chunk.toString()}`),
    });
    console.log(`    boot ${result.bootSeconds.toFixed(1)} s, guest script ${result.commandSeconds.toFixed(1)} s`);
    for (const node of Object.keys(EXPECTED)) {
      const record = JSON.parse(result.files[`ipip-${node}.json`] ?? '{}') as NodeRecord;
      nodes[node] = record;
      console.log(`    ${node}: program running after ${record.startedSeconds?.toFixed(1)} s, synced after ${record.syncedSeconds?.toFixed(1)} s (two nodes sharing one emulated CPU)`);
    }
  });

  it('the program planned, synced and cleaned up without error in both nodes\' namespaces', () => {
    for (const node of ['a', 'b']) {
      assert.equal(result.files[`program-${node}.status`]?.trim(), '0', result.files[`program-${node}.out`]);
      assert.equal(nodes[`node-${node}`]?.error, undefined, nodes[`node-${node}`]?.error);
    }
  });

  it('the planner tunnels each node to the other (the other node\'s underlay is off its own /24)', () => {
    for (const [node, expected] of Object.entries(EXPECTED)) {
      assert.deepEqual(nodes[node]?.routes?.map(({ destination, kind, sameSubnet }) => ({ destination, kind, sameSubnet })),
        [{ destination: expected.podSubnet, kind: 'tunnel', sameSubnet: false }], node);
    }
  });

  for (const [node, expected] of Object.entries(EXPECTED)) {
    it(`${node}: ip -d link shows one ipip device ${expected.local} -> ${expected.remote}, and ${expected.podSubnet} goes through it via ${expected.remote} onlink (checked against the topology by hand)`, () => {
      const record = nodes[node];
      // tunl0 is the kernel's own fallback device, there as soon as the ipip module loads.
      const links = (record?.links ?? []).filter((one) => one.ifname !== 'tunl0');
      assert.equal(links.length, 1, JSON.stringify(links));
      const [link] = links;
      assert.equal(link?.linkinfo?.info_kind, 'ipip');
      assert.equal(link?.linkinfo?.info_data?.local, expected.local);
      assert.equal(link?.linkinfo?.info_data?.remote, expected.remote);
      // IPIP adds a 20-byte outer IPv4 header to the 1500-byte underlay.
      assert.equal(link?.mtu, 1480);
      assert.ok(link?.flags?.includes('UP'), JSON.stringify(link?.flags));
      assert.equal(link?.ifname, record?.tunnels?.[0]?.name);
      const routes = (record?.kernelRoutes ?? []).map(({ dst, dev, gateway, flags }) => ({ dst, dev, gateway, onlink: flags?.includes('onlink') ?? false }));
      assert.deepEqual(routes, [{ dst: expected.podSubnet, dev: link?.ifname, gateway: expected.remote, onlink: true }]);
    });
  }

  it('TCP (HTTP) passes both ways between the pods through the two tunnels, with the pods\' own source addresses', () => {
    // busybox httpd listens on a dual-stack socket, so it reports IPv4 peers v4-mapped.
    assert.equal(result.files['a-to-b.status']?.trim(), '0', result.files['a-to-b']);
    assert.equal(result.files['a-to-b']?.trim(), 'pod-b [::ffff:10.1.1.5]');
    assert.equal(result.files['b-to-a.status']?.trim(), '0', result.files['b-to-a']);
    assert.equal(result.files['b-to-a']?.trim(), 'pod-a [::ffff:10.1.2.5]');
  });

  it('cleanup removes each node\'s tunnel and route, and pod-a no longer reaches pod-b', () => {
    for (const node of Object.keys(EXPECTED)) {
      assert.deepEqual(nodes[node]?.linksAfter?.map((one) => one.ifname), ['tunl0'], node);
      assert.deepEqual(nodes[node]?.routesAfter, [], node);
    }
    // Without the tunnel route node-a sends the packet to the router, which has no route to
    // 10.1.2.0/24 and none back to 10.1.1.5 for an ICMP error: the connection times out (28).
    assert.equal(result.files['a-to-b-after.status']?.trim(), '28', result.files['a-to-b-after']);
  });
});
