import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ProxyPlan, ServicePortPlan } from '../../src/core/plan/index.js';
import { SimulationQueryError, tracePacket, type TracePacket } from '../../src/core/simulator/index.js';
import { endpoint, frontend, proxyPlan, servicePort, settings } from './plan-builders.js';

// node-a: address 192.168.0.10, pods in 10.0.0.0/16 (node-a's are 10.0.1.x, node-b's 10.0.2.x).
const NODE = '192.168.0.10';
const POD = '10.0.2.9';
const OUTSIDE = '172.20.0.1';

const api = servicePort('app/api:http/TCP', {
  frontends: [frontend('ClusterIP', { ip: '10.96.0.10', port: 80 })],
  clusterEndpoints: [endpoint('10.0.1.5', 8080, { local: true }), endpoint('10.0.2.5', 8080, { nodeName: 'node-b' })],
});

function plan(...servicePorts: ServicePortPlan[]): ProxyPlan {
  return proxyPlan('node-a', settings(), servicePorts);
}

function packet(from: string, to: string, port: number, protocol: TracePacket['protocol'] = 'TCP'): TracePacket {
  return { from, to, port, protocol };
}

/** The four answers most tests compare. */
function outcome(result: ReturnType<typeof tracePacket>): [string, readonly string[], boolean] {
  return [result.verdict, result.backends, result.masquerade];
}

describe('tracePacket', () => {
  describe('source classes and ClusterIP masquerade outside the cluster CIDRs', () => {
    it('keeps a pod source and DNATs to every cluster endpoint', () => {
      const result = tracePacket(plan(api), packet(POD, '10.96.0.10', 80));
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.5:8080', '10.0.2.5:8080'], false]);
      assert.equal(result.source, 'pod');
      assert.equal(result.servicePort, 'app/api:http/TCP');
      assert.equal(result.frontend, 'ClusterIP');
      assert.deepEqual(result.explain, [
        'source 10.0.2.9: a pod (inside cluster CIDR 10.0.0.0/16)',
        'matched app/api:http/TCP ClusterIP 10.96.0.10:80 (IPv4), internalTrafficPolicy Cluster',
        'DNAT to one of the cluster endpoints (IPv4): 10.0.1.5:8080 (node-a, local), 10.0.2.5:8080 (node-b)',
        'no masquerade (policy outside-cluster-cidrs): source 10.0.2.9 is inside cluster CIDR 10.0.0.0/16',
      ]);
    });

    it('classes a node address as the node, and masquerades it (outside the cluster CIDRs)', () => {
      const result = tracePacket(plan(api), packet(NODE, '10.96.0.10', 80));
      assert.equal(result.source, 'node');
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.5:8080', '10.0.2.5:8080'], true]);
    });

    it('classes loopback as the node', () => {
      assert.equal(tracePacket(plan(api), packet('127.0.0.53', '10.96.0.10', 80)).source, 'node');
      assert.equal(tracePacket(plan(), packet('::1', 'fd00::1', 80)).source, 'node');
    });

    it('classes any other source as outside, and masquerades it', () => {
      const result = tracePacket(plan(api), packet(OUTSIDE, '10.96.0.10', 80));
      assert.equal(result.source, 'outside');
      assert.equal(result.masquerade, true);
    });

    it('classes a node address as the node even inside a cluster CIDR', () => {
      const inside = proxyPlan('node-a', settings({ nodeAddresses: ['10.0.9.1'] }), [api]);
      assert.equal(tracePacket(inside, packet('10.0.9.1', '10.96.0.10', 80)).source, 'node');
    });

    it('says no source counts as a pod when no cluster CIDRs are configured', () => {
      const bare = proxyPlan('node-a', settings({ clusterCIDRs: [] }), [api]);
      const result = tracePacket(bare, packet(POD, '10.96.0.10', 80));
      assert.equal(result.source, 'outside');
      assert.match(result.explain[0] ?? '', /no cluster CIDRs are configured, so no source counts as a pod/);
    });
  });

  describe('frontend matching', () => {
    it('passes a packet to an address no frontend has untouched', () => {
      const result = tracePacket(plan(api), packet(POD, '10.0.1.5', 8080));
      assert.deepEqual(outcome(result), ['ACCEPT', [], false]);
      assert.equal(result.servicePort, undefined);
      assert.equal(result.explain[1], 'no service matched 10.0.1.5:8080/TCP on node node-a: the packet passes untouched');
    });

    it('does not match a service IP on another port or protocol, and says what the IP serves', () => {
      // Without service CIDRs such a packet is not the proxy's: it passes untouched.
      const open = proxyPlan('node-a', settings({ serviceCIDRs: [] }), [api]);
      const otherPort = tracePacket(open, packet(POD, '10.96.0.10', 8080));
      assert.deepEqual(outcome(otherPort), ['ACCEPT', [], false]);
      assert.match(otherPort.explain[1] ?? '', /\(10\.96\.0\.10 serves 80\/TCP \(app\/api:http\/TCP\)\)/);
      assert.deepEqual(outcome(tracePacket(open, packet(POD, '10.96.0.10', 80, 'UDP'))), ['ACCEPT', [], false]);
    });

    // Hand-checked: the builders' service CIDR is 10.96.0.0/12 (10.96.0.0 - 10.111.255.255).
    it('rejects an address of the service CIDR that no service holds, and says so', () => {
      const result = tracePacket(plan(api), packet(POD, '10.96.63.40', 80));
      assert.deepEqual(outcome(result), ['REJECT', [], false]);
      assert.equal(result.servicePort, undefined);
      assert.equal(result.explain[1], '10.96.63.40 is in the service CIDR 10.96.0.0/12 but no service holds 10.96.63.40:80/TCP: rejected');
      assert.equal(tracePacket(plan(api), packet(NODE, '10.111.255.255', 53, 'UDP')).verdict, 'REJECT');
    });

    it('rejects a service IP of the service CIDR on a port or protocol it does not serve', () => {
      const otherPort = tracePacket(plan(api), packet(POD, '10.96.0.10', 8080));
      assert.deepEqual(outcome(otherPort), ['REJECT', [], false]);
      assert.equal(otherPort.explain[1], '10.96.0.10 is in the service CIDR 10.96.0.0/12 but no service holds 10.96.0.10:8080/TCP (10.96.0.10 serves 80/TCP (app/api:http/TCP)): rejected');
      assert.equal(tracePacket(plan(api), packet(POD, '10.96.0.10', 80, 'UDP')).verdict, 'REJECT');
      // The service itself still answers.
      assert.equal(tracePacket(plan(api), packet(POD, '10.96.0.10', 80)).verdict, 'ACCEPT');
    });

    it('passes untouched an address just outside the service CIDRs, of either family', () => {
      const dual = proxyPlan('node-a', settings({ serviceCIDRs: ['10.96.0.0/12', 'fd00:96::/112'] }), [api]);
      assert.equal(tracePacket(dual, packet(POD, '10.112.0.1', 80)).verdict, 'ACCEPT');
      assert.equal(tracePacket(dual, packet('fd00:10::5', 'fd00:96::1:0', 80)).verdict, 'ACCEPT');
      const inside = tracePacket(dual, packet('fd00:10::5', 'fd00:96::ffff', 80));
      assert.deepEqual(outcome(inside), ['REJECT', [], false]);
      assert.equal(inside.explain[1], 'fd00:96::ffff is in the service CIDR fd00:96::/112 but no service holds [fd00:96::ffff]:80/TCP: rejected');
    });

    const web = servicePort('app/web:http/TCP', {
      frontends: [frontend('ClusterIP', { ip: '10.96.0.20', port: 80 }), frontend('NodePort', { port: 30080 })],
      clusterEndpoints: [endpoint('10.0.1.6', 80)],
    });

    it('matches a NodePort on a NodePort address of the node, on its port only', () => {
      const result = tracePacket(plan(web), packet(OUTSIDE, NODE, 30080));
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.6:80'], true]);
      assert.equal(result.frontend, 'NodePort');
      assert.deepEqual(outcome(tracePacket(plan(web), packet(OUTSIDE, NODE, 30081))), ['ACCEPT', [], false]);
      assert.deepEqual(outcome(tracePacket(plan(web), packet(OUTSIDE, '192.168.0.99', 30080))), ['ACCEPT', [], false]);
    });

    it('matches NodePorts only on the addresses the nodePortAddresses filter kept', () => {
      const filtered = proxyPlan(
        'node-a',
        settings({ nodeAddresses: [NODE, '10.200.0.10'], nodePortAddressFilter: ['10.200.0.0/16'], nodePortAddresses: ['10.200.0.10'] }),
        [web],
      );
      assert.equal(tracePacket(filtered, packet(OUTSIDE, NODE, 30080)).servicePort, undefined);
      assert.equal(tracePacket(filtered, packet(OUTSIDE, '10.200.0.10', 30080)).servicePort, 'app/web:http/TCP');
    });

    it('answers NodePorts on 127.0.0.1 only with localhostNodePorts', () => {
      const local = proxyPlan('node-a', settings({ localhostNodePorts: true }), [web]);
      assert.deepEqual(outcome(tracePacket(local, packet('127.0.0.1', '127.0.0.1', 30080))), ['ACCEPT', ['10.0.1.6:80'], true]);
      assert.equal(tracePacket(plan(web), packet('127.0.0.1', '127.0.0.1', 30080)).servicePort, undefined);
    });

    it('prefers a frontend with that IP over a NodePort on the same address and port', () => {
      const external = servicePort('app/x-ext:http/TCP', {
        frontends: [frontend('ExternalIP', { ip: NODE, port: 30080 })],
        clusterEndpoints: [endpoint('10.0.2.8', 8080)],
      });
      const result = tracePacket(plan(web, external), packet(OUTSIDE, NODE, 30080));
      assert.equal(result.servicePort, 'app/x-ext:http/TCP');
      assert.deepEqual(result.backends, ['10.0.2.8:8080']);
    });
  });

  describe('dual stack', () => {
    const dual = servicePort('app/dual:http/TCP', {
      frontends: [
        frontend('ClusterIP', { ip: '10.96.0.30', port: 80 }),
        frontend('ClusterIP', { ip: 'fd00:96::30', port: 80 }),
        frontend('NodePort', { port: 30300, family: 'IPv6' }),
      ],
      clusterEndpoints: [endpoint('10.0.1.7', 8080), endpoint('fd00:10::7', 8080), endpoint('fd00:10::6', 8080)],
    });
    const dualPlan = proxyPlan('node-a', settings({ clusterCIDRs: ['10.0.0.0/16', 'fd00:10::/64'], nodeAddresses: [NODE, 'fd00:1::10'] }), [dual]);

    it('forwards within the frontend\'s family, IPv6 backends in brackets, sorted', () => {
      const result = tracePacket(dualPlan, packet('fd00:10::9', 'fd00:96::30', 80));
      assert.deepEqual(outcome(result), ['ACCEPT', ['[fd00:10::6]:8080', '[fd00:10::7]:8080'], false]);
      assert.deepEqual(tracePacket(dualPlan, packet(POD, '10.96.0.30', 80)).backends, ['10.0.1.7:8080']);
    });

    it('matches a NodePort of the destination\'s family only', () => {
      assert.deepEqual(tracePacket(dualPlan, packet('2001:db8::1', 'fd00:1::10', 30300)).backends, ['[fd00:10::6]:8080', '[fd00:10::7]:8080']);
      assert.equal(tracePacket(dualPlan, packet(OUTSIDE, NODE, 30300)).servicePort, undefined);
    });

    it('reads addresses in any IPv6 spelling', () => {
      assert.equal(tracePacket(dualPlan, packet('FD00:10:0::9', 'FD00:96::30', 80)).servicePort, 'app/dual:http/TCP');
    });

    it('refuses a packet whose source and destination families differ', () => {
      assert.throws(() => tracePacket(dualPlan, packet(POD, 'fd00:96::30', 80)), /from 10\.0\.2\.9 is IPv4 but to fd00:96::30 is IPv6/);
    });
  });

  describe('LoadBalancer source ranges', () => {
    const lb = servicePort('app/lb:https/TCP', {
      frontends: [
        frontend('LoadBalancer', { ip: '203.0.113.7', port: 443, sourceRanges: ['198.51.100.0/24'] }),
        frontend('NodePort', { port: 30443 }),
      ],
      clusterEndpoints: [endpoint('10.0.1.8', 8443)],
    });

    it('accepts a source inside the ranges', () => {
      const result = tracePacket(plan(lb), packet('198.51.100.20', '203.0.113.7', 443));
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.8:8443'], true]);
      assert.match(result.explain.join('\n'), /inside load balancer source range 198\.51\.100\.0\/24/);
    });

    it('drops a source outside them, pods included', () => {
      const result = tracePacket(plan(lb), packet('192.0.2.1', '203.0.113.7', 443));
      assert.deepEqual(outcome(result), ['DROP', [], false]);
      assert.equal(result.explain.at(-1), 'source 192.0.2.1 is outside the load balancer source ranges 198.51.100.0/24: DROP');
      assert.equal(tracePacket(plan(lb), packet(POD, '203.0.113.7', 443)).verdict, 'DROP');
    });

    it('does not filter the NodePort of the same service', () => {
      assert.deepEqual(outcome(tracePacket(plan(lb), packet('192.0.2.1', NODE, 30443))), ['ACCEPT', ['10.0.1.8:8443'], true]);
    });
  });

  describe('externalTrafficPolicy Local and the short circuit', () => {
    const local = { trafficPolicy: 'Local' as const, masquerade: 'never' as const, shortCircuit: { endpoints: 'cluster' as const, masqueradeFromNode: true as const } };
    const here = endpoint('10.0.1.7', 9090, { local: true });
    const there = endpoint('10.0.2.7', 9090, { nodeName: 'node-b' });
    const withLocal = servicePort('app/prom:web/TCP', {
      frontends: [frontend('NodePort', { port: 30090, ...local })],
      clusterEndpoints: [here, there],
      localEndpoints: [here],
    });
    const withoutLocal = servicePort('app/prom:web/TCP', {
      frontends: [frontend('NodePort', { port: 30090, ...local, noEndpoints: 'DROP' })],
      clusterEndpoints: [there],
    });

    it('sends outside traffic to the local endpoints only, keeping the client address', () => {
      assert.deepEqual(outcome(tracePacket(plan(withLocal), packet(OUTSIDE, NODE, 30090))), ['ACCEPT', ['10.0.1.7:9090'], false]);
    });

    it('short-circuits pods to every cluster endpoint without masquerade', () => {
      const result = tracePacket(plan(withLocal), packet(POD, NODE, 30090));
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.7:9090', '10.0.2.7:9090'], false]);
      assert.match(result.explain.join('\n'), /traffic from a pod takes the short circuit to the cluster endpoints/);
    });

    it('short-circuits the node to every cluster endpoint and masquerades it', () => {
      assert.deepEqual(outcome(tracePacket(plan(withLocal), packet(NODE, NODE, 30090))), ['ACCEPT', ['10.0.1.7:9090', '10.0.2.7:9090'], true]);
    });

    it('drops outside traffic when no endpoint is local, but still short-circuits pods and the node', () => {
      const outside = tracePacket(plan(withoutLocal), packet(OUTSIDE, NODE, 30090));
      assert.deepEqual(outcome(outside), ['DROP', [], false]);
      assert.equal(outside.explain.at(-1), 'endpoints exist, but none in the local set of node node-a: DROP');
      assert.deepEqual(outcome(tracePacket(plan(withoutLocal), packet(POD, NODE, 30090))), ['ACCEPT', ['10.0.2.7:9090'], false]);
      assert.deepEqual(outcome(tracePacket(plan(withoutLocal), packet(NODE, NODE, 30090))), ['ACCEPT', ['10.0.2.7:9090'], true]);
    });

    it('filters LoadBalancer source ranges before the short circuit', () => {
      const lbLocal = servicePort('app/lb:https/TCP', {
        frontends: [frontend('LoadBalancer', { ip: '203.0.113.9', port: 443, sourceRanges: ['198.51.100.0/24'], ...local })],
        clusterEndpoints: [here],
        localEndpoints: [here],
      });
      assert.equal(tracePacket(plan(lbLocal), packet(POD, '203.0.113.9', 443)).verdict, 'DROP');
    });
  });

  describe('no endpoints', () => {
    it('rejects when the service port has no usable endpoint anywhere, short circuit or not', () => {
      const empty = servicePort('app/none:http/TCP', {
        frontends: [
          frontend('ClusterIP', { ip: '10.96.0.40', port: 80, noEndpoints: 'REJECT' }),
          frontend('NodePort', { port: 30400, trafficPolicy: 'Local', masquerade: 'never', noEndpoints: 'REJECT', shortCircuit: { endpoints: 'cluster', masqueradeFromNode: true } }),
        ],
      });
      const result = tracePacket(plan(empty), packet(POD, '10.96.0.40', 80));
      assert.deepEqual(outcome(result), ['REJECT', [], false]);
      assert.equal(result.explain.at(-1), 'no usable IPv4 endpoint anywhere: REJECT');
      assert.equal(tracePacket(plan(empty), packet(POD, NODE, 30400)).verdict, 'REJECT');
      assert.equal(tracePacket(plan(empty), packet(OUTSIDE, NODE, 30400)).verdict, 'REJECT');
    });

    it('drops ClusterIP traffic under internalTrafficPolicy Local without a local endpoint, and keeps to local ones otherwise', () => {
      const itpLocal = (localEndpoints: ReturnType<typeof endpoint>[]) =>
        servicePort('app/itp:http/TCP', {
          frontends: [frontend('ClusterIP', { ip: '10.96.0.50', port: 80, trafficPolicy: 'Local', ...(localEndpoints.length ? {} : { noEndpoints: 'DROP' as const }) })],
          localEndpoints,
        });
      assert.deepEqual(outcome(tracePacket(plan(itpLocal([])), packet(POD, '10.96.0.50', 80))), ['DROP', [], false]);
      const mine = endpoint('10.0.1.9', 8080, { local: true });
      assert.deepEqual(outcome(tracePacket(plan(itpLocal([mine])), packet(POD, '10.96.0.50', 80))), ['ACCEPT', ['10.0.1.9:8080'], false]);
    });

    it('rejects, and says the plan gave no verdict, when an endpoint set is empty without noEndpoints', () => {
      const broken = servicePort('app/broken:http/TCP', { frontends: [frontend('ClusterIP', { ip: '10.96.0.60', port: 80 })] });
      const result = tracePacket(plan(broken), packet(POD, '10.96.0.60', 80));
      assert.equal(result.verdict, 'REJECT');
      assert.match(result.explain.at(-1) ?? '', /the plan gives no verdict/);
    });
  });

  describe('masquerade policies and hairpin', () => {
    it('masquerades every packet under always and none under never', () => {
      const always = servicePort('app/a:http/TCP', { frontends: [frontend('ExternalIP', { ip: '198.51.100.5', port: 80, masquerade: 'always' })], clusterEndpoints: [endpoint('10.0.1.5', 80)] });
      const never = servicePort('app/n:http/TCP', { frontends: [frontend('ClusterIP', { ip: '10.96.0.70', port: 80, masquerade: 'never' })], clusterEndpoints: [endpoint('10.0.1.5', 80)] });
      assert.equal(tracePacket(plan(always), packet(POD, '198.51.100.5', 80)).masquerade, true);
      assert.equal(tracePacket(plan(never), packet(OUTSIDE, '10.96.0.70', 80)).masquerade, false);
    });

    it('masquerades a pod that may be balanced back to itself, and says only then', () => {
      const result = tracePacket(plan(api), packet('10.0.1.5', '10.96.0.10', 80));
      assert.deepEqual(outcome(result), ['ACCEPT', ['10.0.1.5:8080', '10.0.2.5:8080'], true]);
      assert.equal(
        result.explain.at(-1),
        'hairpin masquerade: the source is backend 10.0.1.5:8080; balanced back to itself the packet is masqueraded, to the other backends it is not',
      );
    });

    it('masquerades a pod that is the only backend', () => {
      const single = servicePort('app/one:http/TCP', { frontends: [frontend('ClusterIP', { ip: '10.96.0.80', port: 80 })], clusterEndpoints: [endpoint('10.0.1.5', 8080)] });
      assert.equal(tracePacket(plan(single), packet('10.0.1.5', '10.96.0.80', 80)).masquerade, true);
    });

    it('leaves hairpin traffic alone when the service port does not masquerade it', () => {
      const noHairpin = servicePort('app/api:http/TCP', { ...api, hairpinMasquerade: false, frontends: api.frontends });
      const result = tracePacket(plan(noHairpin), packet('10.0.1.5', '10.96.0.10', 80));
      assert.equal(result.masquerade, false);
      assert.match(result.explain.at(-1) ?? '', /does not masquerade hairpin traffic/);
    });
  });

  describe('session affinity and notes', () => {
    it('notes ClientIP affinity and still lists every possible backend', () => {
      const sticky = servicePort('app/vault:http/TCP', { ...api, frontends: api.frontends, affinityTimeoutSeconds: 600 });
      const result = tracePacket(plan(sticky), packet(POD, '10.96.0.10', 80));
      assert.deepEqual(result.backends, ['10.0.1.5:8080', '10.0.2.5:8080']);
      assert.equal(result.explain.at(-1), 'session affinity ClientIP: packets from 10.0.2.9 stick to the backend first chosen for 600 s');
      assert.ok(!tracePacket(plan(api), packet(POD, '10.96.0.10', 80)).explain.some((line) => line.includes('affinity')));
    });

    it('sorts backends numerically and marks terminating ones', () => {
      const unordered = servicePort('app/web:http/TCP', {
        frontends: [frontend('ClusterIP', { ip: '10.96.0.90', port: 80 })],
        clusterEndpoints: [endpoint('10.0.2.5', 80), endpoint('10.0.1.10', 80, { terminating: true, ready: false }), endpoint('10.0.1.9', 81), endpoint('10.0.1.9', 80)],
      });
      const result = tracePacket(plan(unordered), packet(POD, '10.96.0.90', 80));
      assert.deepEqual(result.backends, ['10.0.1.9:80', '10.0.1.9:81', '10.0.1.10:80', '10.0.2.5:80']);
      assert.match(result.explain.join('\n'), /10\.0\.1\.10:80 \(node-a, terminating\)/);
    });

    it('says kube-router annotations are for the IPVS backend', () => {
      const annotated = servicePort('app/api:http/TCP', { ...api, frontends: api.frontends, kubeRouter: { scheduler: 'lc' } });
      assert.match(tracePacket(plan(annotated), packet(POD, '10.96.0.10', 80)).explain.join('\n'), /kube-router annotations \(scheduler\) are honoured only by the IPVS backend/);
    });
  });

  describe('bad packets', () => {
    it('refuses an invalid address, port or protocol with a SimulationQueryError', () => {
      assert.throws(() => tracePacket(plan(api), packet('not-an-ip', '10.96.0.10', 80)), (error: unknown) => {
        assert.ok(error instanceof SimulationQueryError);
        assert.equal(error.message, 'from: "not-an-ip" is not a valid IP address');
        return true;
      });
      assert.throws(() => tracePacket(plan(api), packet(POD, '10.96.0.010', 80)), /to: "10\.96\.0\.010" is not a valid IP address/);
      assert.throws(() => tracePacket(plan(api), packet(POD, '10.96.0.10', 0)), /port: expected a port number 1\.\.65535, got 0/);
      assert.throws(() => tracePacket(plan(api), packet(POD, '10.96.0.10', 80, 'ICMP' as 'TCP')), SimulationQueryError);
    });
  });
});
