import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ModelObject, NetworkPolicy, NetworkPolicyPeer } from '../../src/core/model/index.js';
import type { FirewallPlan } from '../../src/core/plan/index.js';
import { planFirewall } from '../../src/core/planner/firewall/index.js';
import { namespace, pod, policy, rule, selector } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';
import { resolvedPolicies, resolvedPolicy, type ResolvedPolicy } from '../support/firewall-view.js';

const LOCAL = 'n1';

/**
 * n1 runs prod/web-1 (dual-stack), prod/web-2 and prod/db; their named ports differ per pod.
 * n2 runs the clients. Pods that policy ignores: hostNetwork, finished and IP-less ones.
 */
const cluster: ModelObject[] = [
  namespace('prod', { team: 'a', env: 'prod' }),
  namespace('dev', { team: 'a', env: 'dev' }),
  namespace('other', { team: 'b' }),
  pod('prod/web-1', {
    node: 'n1',
    labels: { app: 'web' },
    ips: ['10.244.0.10', 'fd10::10'],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  }),
  pod('prod/web-2', {
    node: 'n1',
    labels: { app: 'web' },
    ips: ['10.244.0.11'],
    ports: [{ name: 'http', containerPort: 8081, protocol: 'TCP' }],
  }),
  pod('prod/db', {
    node: 'n1',
    labels: { app: 'db' },
    ips: ['10.244.0.12'],
    ports: [{ name: 'pg', containerPort: 5432, protocol: 'TCP' }],
  }),
  pod('prod/node-agent', { node: 'n1', labels: { app: 'web' }, hostNetwork: true, ips: ['10.0.0.1'] }),
  pod('prod/starting', { node: 'n1', labels: { app: 'web' } }),
  pod('prod/client', { node: 'n2', labels: { app: 'client' }, ips: ['10.244.1.20'] }),
  pod('prod/host-client', { node: 'n2', labels: { app: 'client' }, hostNetwork: true, ips: ['10.0.0.2'] }),
  pod('prod/done', { node: 'n2', labels: { app: 'client' }, phase: 'Succeeded', ips: ['10.244.1.21'] }),
  pod('prod/pending', { node: 'n2', labels: { app: 'client' } }),
  pod('dev/client', { node: 'n2', labels: { app: 'client' }, ips: ['10.244.1.30'] }),
  pod('dev/tool', { node: 'n2', labels: { app: 'tool' }, ips: ['10.244.1.31'] }),
  pod('other/client', { node: 'n2', labels: { app: 'client' }, ips: ['10.244.1.40'] }),
  pod('ghost/client', { node: 'n2', labels: { app: 'client' }, ips: ['10.244.1.50'] }),
];

function planWith(...policies: NetworkPolicy[]): FirewallPlan {
  return planFirewall(snapshotOf(...cluster, ...policies), LOCAL);
}

function policyPlan(plan: FirewallPlan, key: string): ResolvedPolicy {
  return resolvedPolicy(plan, key);
}

/** An ingress policy on prod/db with one rule of the given peers. */
function dbIngressFrom(...peers: NetworkPolicyPeer[]): NetworkPolicy {
  return policy('prod/db-ingress', { podSelector: selector({ app: 'db' }), ingress: [rule(peers)] });
}

function peerIPs(plan: FirewallPlan, key: string): readonly string[] {
  const peers = policyPlan(plan, key).ingress[0]?.peers;
  assert.ok(peers && !peers.any);
  return peers.podIPs;
}

describe('planFirewall', () => {
  describe('pods and isolation', () => {
    it('lists local pods with IPs, not hostNetwork, none isolated without policies', () => {
      const plan = planWith();
      assert.deepEqual(plan.policies.size, 0);
      assert.deepEqual(plan.peerSets.size, 0);
      assert.deepEqual(plan.pods.values(), [
          { pod: 'prod/db', ips: [{ ip: '10.244.0.12', family: 'IPv4' }], ingressPolicies: [], egressPolicies: [] },
          {
            pod: 'prod/web-1',
            ips: [
              { ip: '10.244.0.10', family: 'IPv4' },
              { ip: 'fd10::10', family: 'IPv6' },
            ],
            ingressPolicies: [],
            egressPolicies: [],
          },
          { pod: 'prod/web-2', ips: [{ ip: '10.244.0.11', family: 'IPv4' }], ingressPolicies: [], egressPolicies: [] },
      ]);
    });

    it('isolates only the selected pods, and plans only policies selecting a local pod', () => {
      const plan = planWith(
        policy('prod/web-deny', { podSelector: selector({ app: 'web' }) }),
        policy('prod/clients', { podSelector: selector({ app: 'client' }) }),
        policy('dev/all', {}),
      );
      assert.deepEqual(
        plan.pods.values().map((p) => [p.pod, p.ingressPolicies, p.egressPolicies]),
        [
          ['prod/db', [], []],
          ['prod/web-1', ['prod/web-deny'], []],
          ['prod/web-2', ['prod/web-deny'], []],
        ],
      );
      assert.deepEqual(resolvedPolicies(plan), [
        {
          key: 'prod/web-deny',
          policyTypes: ['Ingress'],
          ingress: [],
          egress: [],
        },
      ]);
    });

    it('isolates egress when egress rules make the policy type inferred', () => {
      const plan = planWith(
        policy('prod/web-out', {
          podSelector: selector({ app: 'web' }),
          egress: [rule([{ podSelector: selector({ app: 'db' }) }])],
        }),
      );
      const web1 = plan.pods.values().find((p) => p.pod === 'prod/web-1');
      assert.deepEqual(web1?.ingressPolicies, ['prod/web-out']);
      assert.deepEqual(web1?.egressPolicies, ['prod/web-out']);
      assert.deepEqual(policyPlan(plan, 'prod/web-out'), {
        key: 'prod/web-out',
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ peers: { any: false, podIPs: ['10.244.0.12'], cidrs: [] }, ports: [] }],
      });
    });

    it('ignores the rules of a direction the explicit policy types leave out', () => {
      const plan = planWith(
        policy('prod/egress-only', {
          podSelector: selector({ app: 'db' }),
          policyTypes: ['Egress'],
          ingress: [rule()],
          egress: [rule()],
        }),
        policy('prod/ingress-only', {
          podSelector: selector({ app: 'db' }),
          policyTypes: ['Ingress'],
          egress: [rule()],
        }),
      );
      const db = plan.pods.values().find((p) => p.pod === 'prod/db');
      assert.deepEqual(db?.ingressPolicies, ['prod/ingress-only']);
      assert.deepEqual(db?.egressPolicies, ['prod/egress-only']);
      assert.deepEqual(policyPlan(plan, 'prod/egress-only').ingress, []);
      assert.deepEqual(policyPlan(plan, 'prod/egress-only').egress, [{ peers: { any: true }, ports: [] }]);
      assert.deepEqual(policyPlan(plan, 'prod/ingress-only').egress, []);
    });
  });

  describe('peers', () => {
    it('a rule without peers matches any peer', () => {
      const plan = planWith(policy('prod/open', { podSelector: selector({ app: 'db' }), ingress: [rule()] }));
      assert.deepEqual(policyPlan(plan, 'prod/open').ingress, [{ peers: { any: true }, ports: [] }]);
    });

    it('podSelector alone selects pods of the policy namespace, skipping hostNetwork, finished and IP-less pods', () => {
      const plan = planWith(dbIngressFrom({ podSelector: selector({ app: 'client' }) }));
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.20']);
    });

    it('namespaceSelector alone selects every pod of the matching namespaces', () => {
      const plan = planWith(dbIngressFrom({ namespaceSelector: selector({ env: 'dev' }) }));
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.30', '10.244.1.31']);
    });

    it('podSelector and namespaceSelector in one peer are ANDed', () => {
      const plan = planWith(
        dbIngressFrom({ namespaceSelector: selector({ team: 'a' }), podSelector: selector({ app: 'client' }) }),
      );
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.20', '10.244.1.30']);
    });

    it('separate peers are ORed, and a pod two peers select is listed once', () => {
      const plan = planWith(
        dbIngressFrom(
          { namespaceSelector: selector({ env: 'dev' }) },
          { podSelector: selector({ app: 'client' }) },
          { namespaceSelector: selector({ team: 'a' }), podSelector: selector({ app: 'client' }) },
        ),
      );
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.20', '10.244.1.30', '10.244.1.31']);
    });

    it('an empty namespaceSelector selects every namespace, even one without a Namespace object', () => {
      const plan = planWith(
        dbIngressFrom({ namespaceSelector: selector(), podSelector: selector({ app: 'client' }) }),
      );
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.20', '10.244.1.30', '10.244.1.40', '10.244.1.50']);
    });

    it('namespaceSelector matches the namespace name label the API server sets', () => {
      const plan = planWith(
        dbIngressFrom({
          namespaceSelector: selector({}, [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['dev', 'other'] },
          ]),
          podSelector: selector({ app: 'client' }),
        }),
      );
      assert.deepEqual(peerIPs(plan, 'prod/db-ingress'), ['10.244.1.30', '10.244.1.40']);
    });

    it('plans ipBlocks with sorted holes, alongside pod peers', () => {
      const plan = planWith(
        dbIngressFrom(
          { ipBlock: { cidr: 'fd00::/8', except: [] } },
          { ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.0.0/16', '10.1.0.0/16'] } },
          { podSelector: selector({ app: 'client' }) },
        ),
      );
      assert.deepEqual(policyPlan(plan, 'prod/db-ingress').ingress[0]?.peers, {
        any: false,
        podIPs: ['10.244.1.20'],
        cidrs: [
          { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.244.0.0/16'] },
          { cidr: 'fd00::/8', except: [] },
        ],
      });
    });

    it('a selector peer that selects no pod matches nothing', () => {
      const plan = planWith(dbIngressFrom({ podSelector: selector({ app: 'nobody' }) }));
      assert.deepEqual(policyPlan(plan, 'prod/db-ingress').ingress[0]?.peers, { any: false, podIPs: [], cidrs: [] });
    });
  });

  describe('ports', () => {
    it('takes numeric ports, ranges and protocol-only entries as given, sorted', () => {
      const plan = planWith(
        policy('prod/db-ports', {
          podSelector: selector({ app: 'db' }),
          ingress: [
            rule(
              [],
              [
                { protocol: 'UDP' },
                { protocol: 'TCP', port: 8000, endPort: 9000 },
                { protocol: 'TCP', port: 80 },
                { protocol: 'TCP', port: 80 },
              ],
            ),
          ],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/db-ports').ingress[0]?.ports, [
        { protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 8000, endPort: 9000 },
        { protocol: 'UDP' },
      ]);
    });

    it('resolves an ingress named port per target pod', () => {
      const plan = planWith(
        policy('prod/web-http', {
          podSelector: selector({ app: 'web' }),
          ingress: [rule([{ podSelector: selector({ app: 'client' }) }], [{ protocol: 'TCP', port: 'http' }])],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/web-http').ingress, [
        {
          peers: { any: false, podIPs: ['10.244.1.20'], cidrs: [] },
          ports: [
            { protocol: 'TCP', port: 8080, podIPs: ['10.244.0.10', 'fd10::10'] },
            { protocol: 'TCP', port: 8081, podIPs: ['10.244.0.11'] },
          ],
        },
      ]);
    });

    it('does not resolve a named port declared with another protocol', () => {
      const plan = planWith(
        policy('prod/web-udp', {
          podSelector: selector({ app: 'web' }),
          ingress: [rule([], [{ protocol: 'UDP', port: 'http' }, { protocol: 'TCP', port: 443 }])],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/web-udp').ingress, [
        { peers: { any: true }, ports: [{ protocol: 'TCP', port: 443 }] },
      ]);
    });

    it('a rule whose only ports resolve nowhere allows nothing', () => {
      const plan = planWith(
        policy('prod/web-none', {
          podSelector: selector({ app: 'web' }),
          ingress: [rule([], [{ protocol: 'TCP', port: 'pg' }]), rule([], [{ protocol: 'TCP', port: 443 }])],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/web-none').ingress, [
        { peers: { any: false, podIPs: [], cidrs: [] }, ports: [] },
        { peers: { any: true }, ports: [{ protocol: 'TCP', port: 443 }] },
      ]);
    });

    it('resolves an egress named port against the peer pods', () => {
      const plan = planWith(
        policy('prod/web-to-db', {
          podSelector: selector({ app: 'web' }),
          egress: [
            rule(
              [{ podSelector: selector({ app: 'db' }) }, { podSelector: selector({ app: 'web' }) }],
              [{ protocol: 'TCP', port: 'pg' }],
            ),
          ],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/web-to-db').egress, [
        {
          peers: { any: false, podIPs: ['10.244.0.10', '10.244.0.11', '10.244.0.12', 'fd10::10'], cidrs: [] },
          ports: [{ protocol: 'TCP', port: 5432, podIPs: ['10.244.0.12'] }],
        },
      ]);
    });

    it('resolves an egress named port against every pod when the rule has no peers', () => {
      const plan = planWith(
        policy('prod/db-out', {
          podSelector: selector({ app: 'db' }),
          egress: [rule([], [{ protocol: 'TCP', port: 'http' }])],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/db-out').egress, [
        {
          peers: { any: true },
          ports: [
            { protocol: 'TCP', port: 8080, podIPs: ['10.244.0.10', 'fd10::10'] },
            { protocol: 'TCP', port: 8081, podIPs: ['10.244.0.11'] },
          ],
        },
      ]);
    });

    it('resolves an egress named port against the pods inside an ipBlock, outside its holes', () => {
      const plan = planWith(
        policy('prod/web-block', {
          podSelector: selector({ app: 'web' }),
          egress: [
            rule([{ ipBlock: { cidr: '10.244.0.0/24', except: ['10.244.0.10/32'] } }], [{ protocol: 'TCP', port: 'http' }]),
            rule([{ ipBlock: { cidr: '10.244.0.0/24', except: ['10.244.0.12/32'] } }], [{ protocol: 'TCP', port: 'pg' }]),
          ],
        }),
      );
      assert.deepEqual(policyPlan(plan, 'prod/web-block').egress, [
        {
          peers: { any: false, podIPs: [], cidrs: [{ cidr: '10.244.0.0/24', except: ['10.244.0.10/32'] }] },
          ports: [{ protocol: 'TCP', port: 8081, podIPs: ['10.244.0.11'] }],
        },
        // db, the only pod declaring pg, sits in the hole: the rule allows nothing.
        { peers: { any: false, podIPs: [], cidrs: [] }, ports: [] },
      ]);
    });
  });
});
