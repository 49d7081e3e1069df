import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { KubeRouterServiceOptions, ProxySettings } from '../../src/core/plan/index.js';
import { planServices, type ProxyPlanOptions } from '../../src/core/planner/index.js';
import type { ModelObject, StringMap } from '../../src/core/model/index.js';
import { endpoint, node, service, slice, slicePort, tcpPort } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

const LOCAL = 'n1';

function settings(options: ProxyPlanOptions, ...objects: ModelObject[]): ProxySettings {
  return planServices(snapshotOf(...objects), LOCAL, options).settings;
}

const dualStackNode = node('n1', {
  internalIPs: ['192.168.0.10', 'fd00:1::10', '192.168.0.9'],
  externalIPs: ['203.0.113.10', '192.168.0.9'],
});

describe('planServices: settings', () => {
  it('resolves options and this node addresses, sorted and distinct', () => {
    const result = settings(
      {
        clusterCIDRs: ['fd10::/48', '10.244.0.0/16'],
        serviceCIDRs: ['fd00:96::/112', '10.96.0.0/12'],
        masqueradeAll: true,
        nodePortAddresses: ['203.0.113.0/24', '192.168.0.0/16'],
        localhostNodePorts: false,
      },
      dualStackNode,
      // Another node's addresses never appear.
      node('n2', { internalIPs: ['192.168.0.20'] }),
    );
    assert.deepEqual(result, {
      clusterCIDRs: ['10.244.0.0/16', 'fd10::/48'],
      serviceCIDRs: ['10.96.0.0/12', 'fd00:96::/112'],
      masqueradeAll: true,
      nodeAddresses: [
        { ip: '192.168.0.9', family: 'IPv4' },
        { ip: '192.168.0.10', family: 'IPv4' },
        { ip: '203.0.113.10', family: 'IPv4' },
        { ip: 'fd00:1::10', family: 'IPv6' },
      ],
      nodePortAddressFilter: ['192.168.0.0/16', '203.0.113.0/24'],
      // The filter names no IPv6 CIDR, so (as kube-proxy) IPv6 addresses are not filtered.
      nodePortAddresses: [
        { ip: '192.168.0.9', family: 'IPv4' },
        { ip: '192.168.0.10', family: 'IPv4' },
        { ip: '203.0.113.10', family: 'IPv4' },
        { ip: 'fd00:1::10', family: 'IPv6' },
      ],
      localhostNodePorts: false,
    });
  });

  it('defaults: no service CIDRs, no masquerade-all, every node address for NodePorts, no localhost NodePorts', () => {
    assert.deepEqual(settings({ clusterCIDRs: [] }, node('n1', { internalIPs: ['192.168.0.10'] })), {
      clusterCIDRs: [],
      serviceCIDRs: [],
      masqueradeAll: false,
      nodeAddresses: [{ ip: '192.168.0.10', family: 'IPv4' }],
      nodePortAddressFilter: [],
      nodePortAddresses: [{ ip: '192.168.0.10', family: 'IPv4' }],
      localhostNodePorts: false,
    });
  });

  it('has no node addresses when the node object is missing', () => {
    const result = settings({ clusterCIDRs: [] }, node('n2', { internalIPs: ['192.168.0.20'] }));
    assert.deepEqual([result.nodeAddresses, result.nodePortAddresses], [[], []]);
  });

  it('filters NodePort addresses per family', () => {
    const result = settings({ clusterCIDRs: [], nodePortAddresses: ['192.168.0.8/30', 'fd00:2::/64'] }, dualStackNode);
    // 192.168.0.8/30 holds .8 to .11; fd00:1::10 is outside fd00:2::/64.
    assert.deepEqual(result.nodePortAddresses, [
      { ip: '192.168.0.9', family: 'IPv4' },
      { ip: '192.168.0.10', family: 'IPv4' },
    ]);
  });

  describe('localhost NodePorts', () => {
    const withFilter = (filter: string[] | undefined) =>
      settings({ clusterCIDRs: [], localhostNodePorts: true, nodePortAddresses: filter }, dualStackNode).localhostNodePorts;

    it('are on when asked for and nothing filters IPv4 loopback out', () => {
      assert.equal(withFilter(undefined), true);
      assert.equal(withFilter(['fd00:1::/64']), true);
      assert.equal(withFilter(['127.0.0.0/8', '192.168.0.0/16']), true);
      assert.equal(withFilter(['127.0.0.1/32']), true);
    });

    it('are off when the filter keeps IPv4 loopback out, or when not asked for', () => {
      assert.equal(withFilter(['192.168.0.0/16']), false);
      assert.equal(settings({ clusterCIDRs: [] }, dualStackNode).localhostNodePorts, false);
    });
  });
});

describe('planServices: kube-router service annotations', () => {
  function kubeRouterOf(annotations: StringMap): KubeRouterServiceOptions | undefined {
    const svc = service('default/web', { clusterIPs: ['10.96.0.10'], annotations });
    const plans = planServices(snapshotOf(svc), LOCAL, { clusterCIDRs: [] }).servicePorts.values();
    return plans[0]?.kubeRouter;
  }

  it('reads every annotation kube-router honours', () => {
    assert.deepEqual(
      kubeRouterOf({
        'kube-router.io/service.scheduler': 'mh',
        'kube-router.io/service.schedflags': 'flag-2, flag-1',
        'kube-router.io/service.local': 'true',
        'kube-router.io/service.hairpin': '',
        'kube-router.io/service.dsr': 'tunnel',
      }),
      { scheduler: 'mh', schedulerFlags: ['flag-1', 'flag-2'], localOnly: true, hairpin: true, dsr: 'tunnel' },
    );
  });

  it('accepts each of kube-router IPVS schedulers', () => {
    for (const scheduler of ['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'mh', 'sed', 'nq']) {
      assert.deepEqual(kubeRouterOf({ 'kube-router.io/service.scheduler': scheduler }), { scheduler });
    }
  });

  it('leaves out invalid values as if the annotation were absent', () => {
    assert.equal(
      kubeRouterOf({
        'kube-router.io/service.scheduler': 'RR',
        'kube-router.io/service.schedflags': 'flag-4,,sh-port',
        'kube-router.io/service.local': 'yes',
        'kube-router.io/service.dsr': 'direct',
      }),
      undefined,
    );
    assert.deepEqual(
      kubeRouterOf({ 'kube-router.io/service.scheduler': 'fifo', 'kube-router.io/service.schedflags': 'flag-3,bogus,flag-3' }),
      { schedulerFlags: ['flag-3'] },
    );
  });

  it('DSR, where the proxy serves it: external IP and LoadBalancer frontends of a Cluster-policy service are not masqueraded; ClusterIP and NodePort keep theirs', () => {
    const annotations = { 'kube-router.io/service.dsr': 'tunnel' };
    const spec = { type: 'LoadBalancer' as const, clusterIPs: ['10.96.0.10'], externalIPs: ['192.168.70.10'], loadBalancerIngress: [{ ip: '192.168.60.10', ipMode: 'VIP' as const }], ports: [{ ...tcpPort(80), nodePort: 30080 }] };
    const masqueradeOf = (extra: StringMap, directServerReturn = true): string[] => {
      const [plan] = planServices(snapshotOf(service('default/web', { ...spec, annotations: extra })), LOCAL, { clusterCIDRs: ['10.244.0.0/16'], directServerReturn }).servicePorts.values();
      return (plan?.frontends ?? []).map((frontend) => `${frontend.kind} ${frontend.masquerade}`);
    };
    // Without the annotation (kube-proxy's rules): Cluster-policy external frontends masquerade always.
    assert.deepEqual(masqueradeOf({}), ['ClusterIP outside-cluster-cidrs', 'NodePort always', 'ExternalIP always', 'LoadBalancer always']);
    assert.deepEqual(masqueradeOf(annotations), ['ClusterIP outside-cluster-cidrs', 'NodePort always', 'ExternalIP never', 'LoadBalancer never']);
    // An unknown mode is no DSR; nor is the annotation where the proxy does not serve DSR (the default).
    assert.deepEqual(masqueradeOf({ 'kube-router.io/service.dsr': 'direct' }), masqueradeOf({}));
    assert.deepEqual(masqueradeOf(annotations, false), masqueradeOf({}));
  });

  it('takes hairpin from the presence of its annotation, as kube-router does', () => {
    assert.deepEqual(kubeRouterOf({ 'kube-router.io/service.hairpin': 'true' }), { hairpin: true });
    assert.deepEqual(kubeRouterOf({ 'kube-router.io/service.hairpin': 'anything' }), { hairpin: true });
  });

  it('plans no kubeRouter field without kube-router annotations', () => {
    const svc = service('default/web', { clusterIPs: ['10.96.0.10'], annotations: { 'example.com/owner': 'me' } });
    const [plan] = planServices(snapshotOf(svc), LOCAL, { clusterCIDRs: [] }).servicePorts.values();
    assert.ok(plan);
    assert.equal('kubeRouter' in plan, false);
  });

  it('fills the local set for service.local even when no frontend is Local, for the backends that honour it', () => {
    const svc = service('default/web', {
      clusterIPs: ['10.96.0.10'],
      annotations: { 'kube-router.io/service.local': 'true' },
    });
    const webSlice = slice('default/web-1', 'web', 'IPv4', [slicePort(80)], [
      endpoint('10.244.0.5', { node: 'n1' }),
      endpoint('10.244.1.5', { node: 'n2' }),
    ]);
    const [plan] = planServices(snapshotOf(svc, webSlice), LOCAL, { clusterCIDRs: [] }).servicePorts.values();
    assert.deepEqual(plan?.localEndpoints.map((e) => e.ip), ['10.244.0.5']);
    // The frontends keep kube-proxy's policies: backends that follow kube-proxy ignore the annotation.
    assert.deepEqual(plan?.frontends.map((f) => f.endpoints), ['cluster']);
  });
});
