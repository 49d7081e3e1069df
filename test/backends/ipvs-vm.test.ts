import assert from 'node:assert/strict';
import type { Context } from 'mocha';
import { checkKernelVm, runInKernelVm, type KernelVmResult } from '../../src/lab/index.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { planServices } from '../../src/core/planner/index.js';
import { tracePacket, type TraceResult } from '../../src/core/simulator/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { DRAIN_CASE, DSR_CASE, NODE_BRIDGE_IP, OUTSIDE_CLIENT, SERVER_PODS, TRAFFIC_CASES, TRAFFIC_CLUSTER_CIDRS, TRAFFIC_MANIFEST, TRAFFIC_SERVICE_CIDRS, UNALLOCATED_SERVICE_IP, type TrafficCase } from './ipvs/traffic-cases.js';

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

/**
 * The guest's programs, bundled on the host before boot and run with plain node from
 * `$KUBE_ROUTER_VM_PROGRAMS` (a start under emulation costs about 2.5 s, not 16 to 20 s with tsx).
 */
const PROGRAMS = {
  program: 'test/backends/ipvs/vm-program.ts',
  traffic: 'test/backends/ipvs/traffic-program.ts',
  sctp: 'test/backends/ipvs/sctp-program.ts',
};

/** In a namespace of the guest: the node script through the real port, then ipvsadm and ip read back. */
const GUEST = String.raw`
repo=$1 out=$KUBE_ROUTER_VM_OUT
ip netns add ipvs-node
# A node has addresses; IPVS refuses a real server whose address type is not unicast, which a
# namespace without a local routing table (lo down) answers for every address.
ip -n ipvs-node link set lo up
echo "program $(date +%s)"; timeout 90 ip netns exec ipvs-node node "$KUBE_ROUTER_VM_PROGRAMS/program.mjs" >"$out/program.out" 2>"$out/program.err"; echo $? >"$out/program.status"
ip netns exec ipvs-node ipvsadm -Ln >"$out/ipvsadm.out" 2>&1
ip netns exec ipvs-node ip -j address show dev kube-dummy-if >"$out/dummy.out" 2>&1

# Traffic: a node namespace with a bridge to two server pods and a client pod, a veth to an
# outside client. Bridged replies between pods must pass netfilter for IPVS to un-NAT them.
n=kripvs-node
ip netns add $n; ip -n $n link set lo up
ip netns exec $n sysctl -q -w net.ipv4.ip_forward=1
ip -n $n link add br0 type bridge; ip -n $n address add 10.244.1.1/24 dev br0; ip -n $n link set br0 up
ip netns exec $n sysctl -q -w net.bridge.bridge-nf-call-iptables=1
i=2
for pod in pod-a pod-b pod-c; do
  ns=kripvs-$pod
  ip netns add $ns; ip -n $ns link set lo up
  ip -n $n link add v-$pod type veth peer name eth0 netns $ns
  ip -n $n link set v-$pod master br0 up
  ip -n $ns address add 10.244.1.$i/24 dev eth0; ip -n $ns link set eth0 up
  ip -n $ns route add default via 10.244.1.1
  i=$((i+1))
done
ip netns add kripvs-client; ip -n kripvs-client link set lo up
ip -n $n link add eth0 type veth peer name eth0 netns kripvs-client
ip -n $n address add 192.168.50.1/24 dev eth0; ip -n $n link set eth0 up
ip -n kripvs-client address add 192.168.50.2/24 dev eth0; ip -n kripvs-client link set eth0 up
ip -n kripvs-client route add default via 192.168.50.1
# As a real node's: a default route, to where no one answers (the client does not forward), so
# only the proxy's rules can refuse an address of the service CIDR no service holds.
ip -n $n route add default via 192.168.50.2
for pod in pod-a pod-b; do
  mkdir -p /tmp/www-$pod/cgi-bin
  printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s %%s\\n" "$REMOTE_ADDR"\n' $pod >/tmp/www-$pod/cgi-bin/who
  chmod +x /tmp/www-$pod/cgi-bin/who
  ip netns exec kripvs-$pod busybox httpd -p 8080 -h /tmp/www-$pod
done
sleep 1
echo "traffic $(date +%s)"; timeout 420 ip netns exec $n node "$KUBE_ROUTER_VM_PROGRAMS/traffic.mjs" >"$out/traffic.out" 2>"$out/traffic.err"; echo $? >"$out/traffic.status"

# While there: NetworkPolicy over SCTP through both firewall backends. Pods are routed (a /32
# route per pod veth, the node's gateway address on lo), so pod traffic crosses FORWARD.
s=krsctp-node
ip netns add $s; ip -n $s link set lo up; ip netns exec $s sysctl -q -w net.ipv4.ip_forward=1
ip -n $s address add 10.244.3.1/32 dev lo
i=2
for pod in server client; do
  ip netns add krsctp-$pod; ip -n krsctp-$pod link set lo up
  ip -n $s link add v-$pod type veth peer name eth0 netns krsctp-$pod
  ip -n $s link set v-$pod up; ip -n $s route add 10.244.3.$i/32 dev v-$pod
  ip -n krsctp-$pod address add 10.244.3.$i/32 dev eth0; ip -n krsctp-$pod link set eth0 up
  ip -n krsctp-$pod route add 10.244.3.1/32 dev eth0; ip -n krsctp-$pod route add default via 10.244.3.1
  i=$((i+1))
done
timeout 320 ip netns exec krsctp-server python3 "$repo/test/backends/ipvs/sctp-peer.py" serve 9000 9001 >"$out/sctp-server.out" 2>&1 &
sctp_server=$!
sleep 2
echo "sctp $(date +%s)"; timeout 300 ip netns exec $s node "$KUBE_ROUTER_VM_PROGRAMS/sctp.mjs" >"$out/sctp-program.out" 2>&1
kill $sctp_server 2>/dev/null
echo "end $(date +%s)"
`;

describe('IpvsProxyBackend in the kernel VM: the real generic netlink port (root, qemu)', function () {
  this.timeout(900_000);
  let result: KernelVmResult;
  before(async function () {
    await requireKernelVm(this);
    result = await runInKernelVm({ command: ['sh', '-c', GUEST, 'sh', REPO], cwd: REPO, programs: PROGRAMS, timeoutMs: 850_000, onStdout: (chunk) => process.stdout.write(`    guest: ${chunk.toString()}`) });
    console.log(`    boot ${result.bootSeconds.toFixed(1)} s, guest script ${result.commandSeconds.toFixed(1)} s`);
  });

  it('the node script programmed IPVS through generic netlink', () => {
    assert.equal(result.files['program.status']?.trim(), '0', `${result.files['program.err']}${result.files['program.out']}`);
  });

  it('ipvsadm lists the virtual service with its scheduler, flag and persistence; the removed real server had no connection and is gone', () => {
    const listing = result.files['ipvsadm.out'] ?? '';
    // ipvsadm names IP_VS_SVC_F_SCHED1 of the sh scheduler `sh-fallback`.
    assert.match(listing, /^TCP {2}10\.96\.0\.10:80 sh \(sh-fallback\) persistent 600/m, listing);
    assert.match(listing, /-> 10\.244\.1\.2:8080 +Masq +1 /, listing);
    // No traffic reached it, so the kernel's dump showed no connection: deleted at once
    // (draining with weight 0 while connections last is checked with traffic below).
    assert.doesNotMatch(listing, /10\.244\.1\.3/, listing);
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
    assert.deepEqual(state.drained[0]?.servers.map((one) => `${one.address} ${one.weight}`).sort(), ['10.244.1.2 1']);
  });

  it('put the ClusterIP on kube-dummy-if', () => {
    const links = JSON.parse(result.files['dummy.out'] ?? '[]') as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[];
    const inet = links.flatMap((link) => link.addr_info ?? []).filter((info) => info.family === 'inet');
    assert.deepEqual(inet.map((info) => `${info.local}/${info.prefixlen}`), ['10.96.0.10/32']);
  });

  describe('traffic through the IPVS backend between namespaces of the VM, equal to the simulator', () => {
    interface Observed { answers: string[]; errors: string[] }
    interface DrainServer { address: string; weight: number; connections: number }
    interface Drain { said: string; stderr: string; held: DrainServer[]; drained: DrainServer[]; nodePort: string[]; polls: { afterMs: number; servers: string[] }[] }
    interface DsrPod { linkType?: string; addresses: string[]; rxPackets: number; rpFilter: string[] }
    interface Dsr { ipvsadm: string; mangle: string; forwardCounted: string; ipRules: string; table: string; marked: { service: { fwmark?: number }; servers: { address: string; forwarding: string }[] }[]; pods: Record<string, DsrPod> }
    let traffic: { results: Record<string, Observed>; rules: string; filterCounted: string; unallocatedBeforeSync: number; sets: string; cleanupDone: true | string; rulesAfter: string; drain: Drain; skips: string[]; dsr: Dsr; dsrAfter: { rules: string; tunnels: number[] } };
    let simulated: Map<string, TraceResult>;

    before(async () => {
      const { snapshot } = await loadCluster([TRAFFIC_MANIFEST]);
      const plan = planServices(snapshot, 'node-a', { clusterCIDRs: TRAFFIC_CLUSTER_CIDRS, serviceCIDRs: TRAFFIC_SERVICE_CIDRS, directServerReturn: true });
      simulated = new Map(TRAFFIC_CASES.map((one) => [one.name, tracePacket(plan, { from: one.from, to: one.to, port: one.port, protocol: 'TCP' })]));
    });

    it('the traffic program ran', () => {
      assert.equal(result.files['traffic.status']?.trim(), '0', `${result.files['traffic.err']}${result.files['traffic.out']}`);
      traffic = JSON.parse(result.files['traffic.json'] ?? '{}') as typeof traffic;
    });

    /** What the kernel did, in the simulator's words: verdict, backends that answered, whether the source was rewritten. */
    function observedAs(one: TrafficCase): { verdict: string; backends: string[]; masquerade: boolean; sources: string[] } {
      const seen = traffic.results[one.name] ?? { answers: [], errors: [] };
      const pods = seen.answers.map((line) => line.split(' ')[0] ?? '');
      const sources = [...new Set(seen.answers.map((line) => line.split(' ')[1] ?? ''))].sort();
      const backends = [...new Set(pods)].map((name) => `${SERVER_PODS.find((pod) => pod.name === name)?.ip}:8080`).sort();
      const refused = seen.errors.length === one.connections && seen.errors.every((error) => error.startsWith('exit 7:'));
      // A dropped SYN: curl times out (exit 28).
      const dropped = seen.errors.length === one.connections && seen.errors.every((error) => error.startsWith('exit 28:'));
      const verdict = seen.answers.length === one.connections ? 'ACCEPT' : refused ? 'REJECT' : dropped ? 'DROP' : `mixed: ${seen.errors.join('; ')}`;
      return { verdict, backends, masquerade: sources.some((source) => source !== one.from), sources };
    }

    for (const one of TRAFFIC_CASES.filter((entry) => !entry.name.includes('affinity'))) {
      it(`${one.name}: verdict, answering backends and masquerade equal the simulator's`, () => {
        const seen = observedAs(one);
        const expected = simulated.get(one.name);
        assert.ok(expected !== undefined);
        assert.deepEqual(
          { verdict: seen.verdict, backends: seen.backends, masquerade: seen.masquerade },
          { verdict: expected.verdict, backends: [...expected.backends], masquerade: expected.masquerade },
          JSON.stringify(traffic.results[one.name]),
        );
        // A masqueraded connection arrives from the node's own address towards the pods.
        if (seen.masquerade) assert.deepEqual(seen.sources, [NODE_BRIDGE_IP]);
      });
    }

    it('ClientIP affinity: every connection reaches one backend, one of those the simulator lists', () => {
      const one = TRAFFIC_CASES.find((entry) => entry.name.includes('affinity'));
      assert.ok(one !== undefined);
      const seen = observedAs(one);
      const expected = simulated.get(one.name);
      assert.equal(seen.verdict, expected?.verdict);
      assert.equal(seen.backends.length, 1, JSON.stringify(traffic.results[one.name]));
      assert.ok(expected?.backends.includes(seen.backends[0] ?? ''), `${seen.backends[0]} not in ${expected?.backends.join(', ')}`);
      assert.ok(expected?.explain.some((line) => /affinity/i.test(line)));
      assert.equal(seen.masquerade, expected?.masquerade);
    });

    it('the unallocated service address: it timed out before the proxy\'s rules, then each connection from a pod (FORWARD) and from the node (OUTPUT) was reset by the service CIDR rule (the simulator\'s REJECT)', () => {
      const cases = TRAFFIC_CASES.filter((entry) => entry.to === UNALLOCATED_SERVICE_IP);
      assert.deepEqual(cases.map((one) => one.fromNamespace), ['kripvs-pod-c', 'kripvs-node']);
      for (const one of cases) {
        assert.equal(simulated.get(one.name)?.verdict, 'REJECT');
        assert.equal(observedAs(one).verdict, 'REJECT', JSON.stringify(traffic.results[one.name]));
      }
      assert.equal(traffic.unallocatedBeforeSync, 28, 'curl exit 28 (timeout): without the rules nothing refuses it');
      // One SYN per connection on the TCP reset rule, none on the ICMP one.
      const packets = (target: string): string[] => traffic.filterCounted.split('\n')
        .filter((line) => line.includes('-A KUBE-ROUTER-SERVICE-CIDRS') && line.endsWith(target))
        .map((line) => (line.split(' ')[0] ?? '').replace(/:\d+\]$/, ']'));
      const connections = cases.reduce((sum, one) => sum + one.connections, 0);
      assert.deepEqual(packets('-j REJECT --reject-with tcp-reset'), [`[${connections}]`], traffic.filterCounted);
      assert.deepEqual(packets('-j REJECT --reject-with icmp-port-unreachable'), ['[0]'], traffic.filterCounted);
      for (const chain of ['INPUT', 'FORWARD', 'OUTPUT']) assert.match(traffic.filterCounted, new RegExp(`^\\[\\d+:\\d+\\] -A ${chain} -j KUBE-ROUTER-SERVICE-CIDRS$`, 'm'));
    });

    it('the sets hold the frontends the plan names (checked by hand against traffic-cluster.yaml)', () => {
      assert.match(traffic.sets, /^add kube-router-svip 10\.96\.0\.10$/m);
      assert.match(traffic.sets, /^add kube-router-reject 10\.96\.0\.12,tcp:80$/m);
      assert.match(traffic.sets, /^add kube-router-masq-all 192\.168\.50\.1,tcp:30080$/m);
      assert.doesNotMatch(traffic.sets, /^add kube-router-masq-all 192\.168\.50\.1,tcp:30081$/m);
      assert.match(traffic.sets, /^add kube-router-masq-out 10\.96\.0\.10,tcp:80$/m);
      assert.match(traffic.sets, /^add kube-router-service-cidrs 10\.96\.0\.0\/16$/m);
      assert.match(traffic.rules, /-A POSTROUTING -j KUBE-ROUTER-IPVS-POSTROUTING/);
    });

    it('LoadBalancer source ranges and the short circuit are programmed as sets and nat rules (checked by hand against traffic-cluster.yaml), nothing skipped', () => {
      assert.match(traffic.sets, /^add kube-router-lb-fw 192\.168\.60\.10,tcp:80$/m);
      assert.match(traffic.sets, /^add kube-router-lb-src 192\.168\.60\.10,tcp:80,192\.168\.50\.2(\/32)?$/m);
      assert.match(traffic.rules, /-A KUBE-ROUTER-SHORT-CIRCUIT -d 192\.168\.60\.11\/32 -p tcp -m tcp --dport 80 -m set --match-set kube-router-pod-subnets src .*-j DNAT --to-destination 10\.96\.0\.15:80/);
      assert.deepEqual(traffic.skips, []);
    });

    it('DSR: the outside client reached both pods through a firewall-mark service in tunnel mode, each saw the client\'s own address, the pods decapsulated on kube-tunnel-if; cleanup took the rules and tunnels away', () => {
      const one = TRAFFIC_CASES.find((entry) => entry.to === DSR_CASE.externalIP);
      assert.ok(one !== undefined);
      const seen = observedAs(one);
      // The simulator's answer for the same packet (also compared in the loop above), checked by hand here.
      const expected = simulated.get(one.name);
      assert.deepEqual({ verdict: expected?.verdict, backends: expected?.backends, masquerade: expected?.masquerade }, { verdict: 'ACCEPT', backends: ['10.244.1.2:8080', '10.244.1.3:8080'], masquerade: false });
      assert.deepEqual(seen.sources, [OUTSIDE_CLIENT.ip], JSON.stringify(traffic.results[one.name]));
      const { dsr, dsrAfter } = traffic;
      assert.equal(dsr.marked.length, 1, JSON.stringify(dsr.marked));
      const mark = dsr.marked[0]?.service.fwmark ?? 0;
      assert.ok(mark >= 1 && mark <= 0x3fff, String(mark));
      const hex = `0x${mark.toString(16)}`;
      assert.deepEqual(dsr.marked[0]?.servers.map((server) => `${server.address} ${server.forwarding}`).sort(), ['10.244.1.2 tunnel', '10.244.1.3 tunnel']);
      assert.match(dsr.ipvsadm, new RegExp(`^FWM +${mark} rr$`, 'm'), dsr.ipvsadm);
      for (const pod of SERVER_PODS) assert.match(dsr.ipvsadm, new RegExp(`-> ${pod.ip.replace(/\./g, '\\.')}:8080 +Tunnel +1 `), dsr.ipvsadm);
      // No address service for the external IP: only the mark leads to IPVS.
      assert.doesNotMatch(dsr.ipvsadm, /192\.168\.70\.10/, dsr.ipvsadm);
      // Every packet of every connection from the client was marked (SYN, ACKs, request, FIN: more than one per connection).
      const counted = new RegExp(`^\\[(\\d+):\\d+\\] -A KUBE-ROUTER-DSR-MARK -d 192\\.168\\.70\\.10/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark ${hex}/0xffffffff$`, 'm').exec(dsr.mangle);
      assert.ok(counted !== null && Number(counted[1]) > one.connections, dsr.mangle);
      assert.match(dsr.ipRules, new RegExp(`^32764:\\s+from all fwmark ${hex} lookup 78\\s*$`, 'm'), dsr.ipRules);
      assert.match(dsr.table, /^local default dev lo/m, dsr.table);
      // The pods' answers left them with the external IP as source and were forwarded by the node to the client.
      const replies = /^\[(\d+):\d+\] -A FORWARD -s 192\.168\.70\.10\/32 -i br0 -p tcp -m tcp --sport 8080 -m comment --comment "test: DSR replies"$/m.exec(dsr.forwardCounted);
      assert.ok(replies !== null && Number(replies[1]) > one.connections, dsr.forwardCounted);
      for (const pod of SERVER_PODS) {
        const inPod = dsr.pods[pod.name];
        assert.equal(inPod?.linkType, 'ipip', JSON.stringify(inPod));
        assert.deepEqual(inPod?.addresses, ['192.168.70.10/32']);
        assert.ok((inPod?.rxPackets ?? 0) > 0, `no packet reached ${pod.name} through the tunnel: ${JSON.stringify(inPod)}`);
        assert.deepEqual(inPod?.rpFilter, ['0', '0']);
      }
      assert.doesNotMatch(dsrAfter.rules, /lookup 78/, dsrAfter.rules);
      assert.deepEqual(dsrAfter.tunnels, [1, 1], 'ip link show dev kube-tunnel-if fails in both pods after cleanup');
    });

    it('graceful deletion: the drained server keeps weight 0 while it has connections and is deleted when they end, before the grace period', () => {
      const { drain } = traffic;
      const leaving = DRAIN_CASE.leaving;
      assert.ok(drain.said.includes('open'), `the holder did not connect: ${drain.stderr}`);
      assert.deepEqual(drain.held.map((one) => `${one.address} ${one.weight} ${one.connections > 0}`), ['10.244.1.2 1 true', `${leaving} 1 true`], JSON.stringify(drain));
      assert.deepEqual(drain.drained.map((one) => `${one.address} ${one.weight} ${one.connections > 0}`), ['10.244.1.2 1 true', `${leaving} 0 true`], JSON.stringify(drain));
      // The NodePort's virtual service had no connection to pod-b: deleted in the same sync.
      assert.ok(!drain.nodePort.includes(leaving), JSON.stringify(drain.nodePort));
      const last = drain.polls.at(-1);
      assert.ok(last !== undefined && !last.servers.some((line) => line.startsWith(`${leaving} `)), JSON.stringify(drain.polls));
      assert.ok(last.servers.some((line) => line.startsWith('10.244.1.2 1 ')));
      assert.ok(last.afterMs < DRAIN_CASE.gracePeriodMs, `deleted by the grace period, not by its connections ending: ${JSON.stringify(drain.polls)}`);
    });

    it('cleanup removed its chains and jumps', () => {
      assert.equal(traffic.cleanupDone, true);
      assert.doesNotMatch(traffic.rulesAfter, /KUBE-ROUTER/);
    });
  });

  describe('while there: NetworkPolicy over SCTP through both firewall backends', () => {
    for (const backend of ['iptables', 'nftables']) {
      it(`${backend}: SCTP 9000 allowed and 9001 denied by the policy, both open before it and after cleanup`, () => {
        const all = JSON.parse(result.files['sctp.json'] ?? '{}') as Record<string, Record<string, string>>;
        const seen = all[backend];
        assert.ok(seen, `${result.files['sctp-program.out']}${result.files['sctp-server.out']}`);
        assert.deepEqual(seen, {
          'before 9000': 'hello 9000',
          'before 9001': 'hello 9001',
          'policy 9000': 'hello 9000',
          'policy 9001': seen['policy 9001']?.startsWith('failed:') === true ? seen['policy 9001'] : 'failed: (any)',
          'after cleanup 9001': 'hello 9001',
        });
      });
    }
  });
});
