import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { FirewallPlan, PodFirewall, PolicyPlan, PeerSet } from '../../src/core/plan/index.js';
import { canReach, SimulationQueryError, type ReachQuery } from '../../src/core/simulator/index.js';
import { cidrSet, firewallPlan, podEntry, podSet, policy, port, rule } from './plan-builders.js';

// Two nodes: node-a runs app/web 10.0.1.2 and app/api 10.0.1.3, node-b runs app/db 10.0.2.2
// and app/batch 10.0.3.2. Each test isolates what it needs; everything else stays open.
const WEB = '10.0.1.2';
const API = '10.0.1.3';
const DB = '10.0.2.2';
const BATCH = '10.0.3.2';

interface Cluster {
  web?: Partial<PodFirewall>;
  api?: Partial<PodFirewall>;
  db?: Partial<PodFirewall>;
  batch?: Partial<PodFirewall>;
  policiesA?: PolicyPlan[];
  policiesB?: PolicyPlan[];
  setsA?: PeerSet[];
  setsB?: PeerSet[];
}

function cluster(parts: Cluster = {}): FirewallPlan[] {
  return [
    firewallPlan('node-a', {
      pods: [{ ...podEntry('app/web', [WEB]), ...parts.web }, { ...podEntry('app/api', [API]), ...parts.api }],
      policies: parts.policiesA ?? [],
      peerSets: parts.setsA ?? [],
    }),
    firewallPlan('node-b', {
      pods: [{ ...podEntry('app/db', [DB]), ...parts.db }, { ...podEntry('app/batch', [BATCH]), ...parts.batch }],
      policies: parts.policiesB ?? [],
      peerSets: parts.setsB ?? [],
    }),
  ];
}

function query(from: string, to: string, portNumber: number, protocol: ReachQuery['protocol'] = 'TCP'): ReachQuery {
  return { from: `app/${from}`, to: `app/${to}`, port: portNumber, protocol };
}

/** db isolated for ingress by app/db-in with `rules`. */
function dbIngress(rules: PolicyPlan['ingress'], sets: PeerSet[] = []): Cluster {
  return { db: { ingressPolicies: ['app/db-in'] }, policiesB: [policy('app/db-in', { ingress: [...rules] })], setsB: sets };
}

describe('canReach', () => {
  describe('isolation', () => {
    it('allows a pod pair no policy isolates, saying so for both directions', () => {
      const result = canReach(cluster(), query('web', 'db', 5432));
      assert.equal(result.allowed, true);
      assert.deepEqual(result.explain, [
        'IPv4: app/web 10.0.1.2 → app/db 10.0.2.2 TCP/5432: allowed',
        '  egress from app/web (node node-a): allowed, no policy isolates it for egress',
        '  ingress to app/db (node node-b): allowed, no policy isolates it for ingress',
      ]);
    });

    it('denies what a policy without rules isolates (default deny), naming the policy', () => {
      const result = canReach(cluster(dbIngress([])), query('web', 'db', 5432));
      assert.equal(result.allowed, false);
      assert.equal(
        result.explain[2],
        '  ingress to app/db (node node-b): denied, isolated by app/db-in and no rule allows TCP/5432 from 10.0.1.2',
      );
      assert.deepEqual(result.families[0]?.ingress.isolatingPolicies, ['app/db-in']);
    });

    it('leaves the other direction open: ingress isolation does not touch the pod\'s egress', () => {
      const result = canReach(cluster(dbIngress([])), query('db', 'web', 80));
      assert.equal(result.allowed, true);
    });

    it('denies egress from an egress-isolated pod with no matching rule, and reports both directions', () => {
      const plans = cluster({
        ...dbIngress([]),
        web: { egressPolicies: ['app/web-out'] },
        policiesA: [policy('app/web-out', { egress: [] })],
      });
      const result = canReach(plans, query('web', 'db', 5432));
      assert.equal(result.allowed, false);
      assert.equal(result.families[0]?.egress.allowed, false);
      assert.equal(result.families[0]?.ingress.allowed, false);
      assert.match(result.explain[1] ?? '', /^ {2}egress from app\/web \(node node-a\): denied, isolated by app\/web-out .*TCP\/5432 to 10\.0\.2\.2$/);
    });

    it('always allows a pod to itself, even isolated both ways', () => {
      const plans = cluster({ ...dbIngress([]), db: { ingressPolicies: ['app/db-in'], egressPolicies: ['app/db-in'] } });
      const result = canReach(plans, query('db', 'db', 5432));
      assert.equal(result.allowed, true);
      assert.deepEqual(result.explain, ['app/db to itself: always allowed, the traffic never leaves the pod']);
    });

    it('isolates with a policy the pod lists but the plan lacks, and says the policy is missing', () => {
      const result = canReach(cluster({ db: { ingressPolicies: ['app/gone'] } }), query('web', 'db', 5432));
      assert.equal(result.allowed, false);
      assert.match(result.explain[2] ?? '', /isolated by app\/gone \(app\/gone not in the plan: no rules\)/);
    });
  });

  describe('peers', () => {
    it('allows a source in a pod set of the rule and denies one outside it', () => {
      const plans = cluster(dbIngress([rule(['web-pods'])], [podSet('web-pods', [WEB])]));
      const allowed = canReach(plans, query('web', 'db', 5432));
      assert.equal(allowed.allowed, true);
      assert.equal(allowed.families[0]?.ingress.policy, 'app/db-in');
      assert.equal(allowed.families[0]?.ingress.rule, 0);
      assert.equal(allowed.explain[2], '  ingress to app/db (node node-b): allowed by app/db-in ingress rule 0');
      assert.equal(canReach(plans, query('api', 'db', 5432)).allowed, false);
    });

    it('ORs the peers of one rule', () => {
      const plans = cluster(dbIngress([rule(['web-pods', 'api-pods'])], [podSet('web-pods', [WEB]), podSet('api-pods', [API])]));
      assert.equal(canReach(plans, query('web', 'db', 1)).allowed, true);
      assert.equal(canReach(plans, query('api', 'db', 1)).allowed, true);
      assert.equal(canReach(plans, query('batch', 'db', 1)).allowed, false);
    });

    it('matches ipBlocks against pod IPs, excepts excluded', () => {
      // 10.0.0.0/16 except 10.0.1.0/24: batch (10.0.3.2) is in, web and api (10.0.1.x) are out.
      const plans = cluster(dbIngress([rule(['block'])], [cidrSet('block', '10.0.0.0/16', ['10.0.1.0/24'])]));
      assert.equal(canReach(plans, query('batch', 'db', 5432)).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 5432)).allowed, false);
      assert.equal(canReach(plans, query('api', 'db', 5432)).allowed, false);
    });

    it('treats an ipBlock edge exactly: the last address of an except is excluded, the next one is not', () => {
      const plans = cluster(dbIngress([rule(['block'])], [cidrSet('block', '10.0.0.0/16', ['10.0.3.0/31'])]));
      // batch 10.0.3.2 is just past 10.0.3.0/31 (10.0.3.0-10.0.3.1).
      assert.equal(canReach(plans, query('batch', 'db', 1)).allowed, true);
      const inside = cluster(dbIngress([rule(['block'])], [cidrSet('block', '10.0.0.0/16', ['10.0.3.2/32'])]));
      assert.equal(canReach(inside, query('batch', 'db', 1)).allowed, false);
    });

    it('matches nothing for a set id the plan does not hold, and for a rule with no sets', () => {
      assert.equal(canReach(cluster(dbIngress([rule(['nowhere'])])), query('web', 'db', 1)).allowed, false);
      assert.equal(canReach(cluster(dbIngress([rule([])])), query('web', 'db', 1)).allowed, false);
    });

    it('ignores sets of the other family', () => {
      const plans = cluster(dbIngress([rule(['v6-web'])], [podSet('v6-web', [WEB], 'IPv6')]));
      assert.equal(canReach(plans, query('web', 'db', 1)).allowed, false);
    });

    it('checks egress with the source pod\'s node plan and ingress with the destination pod\'s', () => {
      // The same set id means different members on the two nodes: node-a's "peers" holds db,
      // node-b's holds api. web → db passes egress on node-a but not ingress on node-b.
      const plans = cluster({
        web: { egressPolicies: ['app/out'] },
        policiesA: [policy('app/out', { egress: [rule(['peers'])] })],
        setsA: [podSet('peers', [DB])],
        db: { ingressPolicies: ['app/in'] },
        policiesB: [policy('app/in', { ingress: [rule(['peers'])] })],
        setsB: [podSet('peers', [API])],
      });
      const webToDb = canReach(plans, query('web', 'db', 1));
      assert.equal(webToDb.families[0]?.egress.allowed, true);
      assert.equal(webToDb.families[0]?.ingress.allowed, false);
      assert.equal(webToDb.allowed, false);
      assert.equal(canReach(plans, query('api', 'db', 1)).allowed, true);
    });
  });

  describe('ports', () => {
    it('matches a numeric port of one protocol only', () => {
      const plans = cluster(dbIngress([rule('any', [port('TCP', 5432)])]));
      assert.equal(canReach(plans, query('web', 'db', 5432)).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 5433)).allowed, false);
      assert.equal(canReach(plans, query('web', 'db', 5432, 'UDP')).allowed, false);
    });

    it('includes both ends of port..endPort', () => {
      const plans = cluster(dbIngress([rule('any', [port('TCP', 8000, 8080)])]));
      assert.equal(canReach(plans, query('web', 'db', 7999)).allowed, false);
      assert.equal(canReach(plans, query('web', 'db', 8000)).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 8080)).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 8081)).allowed, false);
    });

    it('matches every port of the protocol when the match has no port', () => {
      const plans = cluster(dbIngress([rule('any', [port('UDP')])]));
      assert.equal(canReach(plans, query('web', 'db', 53, 'UDP')).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 65535, 'UDP')).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 53, 'TCP')).allowed, false);
    });

    it('matches every port and protocol when the rule has no ports', () => {
      const plans = cluster(dbIngress([rule('any')]));
      assert.equal(canReach(plans, query('web', 'db', 9999, 'SCTP')).allowed, true);
    });

    it('ANDs peers and ports: a listed peer on another port is denied', () => {
      const plans = cluster(dbIngress([rule(['web-pods'], [port('TCP', 5432)])], [podSet('web-pods', [WEB])]));
      assert.equal(canReach(plans, query('web', 'db', 5432)).allowed, true);
      assert.equal(canReach(plans, query('web', 'db', 80)).allowed, false);
      assert.equal(canReach(plans, query('api', 'db', 5432)).allowed, false);
    });

    it('applies an ingress named port only to destinations in its pod sets', () => {
      // "http" resolves to 8080 on db only; batch is also a target but does not declare it.
      const rules = [rule('any', [port('TCP', 8080, undefined, ['named:http'])])];
      const plans = cluster({
        db: { ingressPolicies: ['app/in'] },
        batch: { ingressPolicies: ['app/in'] },
        policiesB: [policy('app/in', { ingress: rules })],
        setsB: [podSet('named:http', [DB])],
      });
      assert.equal(canReach(plans, query('web', 'db', 8080)).allowed, true);
      assert.equal(canReach(plans, query('web', 'batch', 8080)).allowed, false);
    });

    it('applies an egress named port only to peers in its pod sets', () => {
      const plans = cluster({
        web: { egressPolicies: ['app/out'] },
        policiesA: [policy('app/out', { egress: [rule('any', [port('UDP', 53, undefined, ['named:dns'])])] })],
        setsA: [podSet('named:dns', [DB])],
      });
      assert.equal(canReach(plans, query('web', 'db', 53, 'UDP')).allowed, true);
      assert.equal(canReach(plans, query('web', 'batch', 53, 'UDP')).allowed, false);
    });

    it('lets a named port that resolved nowhere match nothing', () => {
      const plans = cluster(dbIngress([rule('any', [port('TCP', 8080, undefined, [])])]));
      assert.equal(canReach(plans, query('web', 'db', 8080)).allowed, false);
    });
  });

  describe('several policies and rules', () => {
    it('ORs the rules of every isolating policy', () => {
      const plans = cluster({
        db: { ingressPolicies: ['app/a-deny', 'app/b-allow'] },
        policiesB: [policy('app/a-deny', { ingress: [] }), policy('app/b-allow', { ingress: [rule('any', [port('TCP', 5432)])] })],
      });
      const result = canReach(plans, query('web', 'db', 5432));
      assert.equal(result.allowed, true);
      assert.equal(result.families[0]?.ingress.policy, 'app/b-allow');
    });

    it('reports the first matching rule, in policy key order then rule order', () => {
      const plans = cluster({
        db: { ingressPolicies: ['app/a', 'app/b'] },
        policiesB: [
          policy('app/a', { ingress: [rule('any', [port('UDP')]), rule('any', [port('TCP', 5432)]), rule('any')] }),
          policy('app/b', { ingress: [rule('any')] }),
        ],
      });
      const result = canReach(plans, query('web', 'db', 5432));
      assert.equal(result.families[0]?.ingress.policy, 'app/a');
      assert.equal(result.families[0]?.ingress.rule, 1);
      assert.equal(result.explain[2], '  ingress to app/db (node node-b): allowed by app/a ingress rule 1');
    });
  });

  describe('IP families', () => {
    function dualStack(allowV4: boolean, allowV6: boolean): FirewallPlan[] {
      const sets = [podSet('v4', allowV4 ? ['10.0.1.2'] : []), podSet('v6', allowV6 ? ['fd00:1::2'] : [], 'IPv6')];
      return [
        firewallPlan('node-a', { pods: [podEntry('app/web', ['10.0.1.2', 'fd00:1::2'])] }),
        firewallPlan('node-b', {
          pods: [podEntry('app/db', ['10.0.2.2', 'fd00:2::2'], { ingress: ['app/in'] }), podEntry('app/v6', ['fd00:2::9'])],
          policies: [policy('app/in', { ingress: [rule(['v4', 'v6'])] })],
          peerSets: sets,
        }),
      ];
    }

    it('answers per family and follows IPv4 when the families disagree', () => {
      const result = canReach(dualStack(true, false), query('web', 'db', 80));
      assert.equal(result.allowed, true);
      assert.deepEqual(result.families.map((family) => [family.family, family.fromIP, family.toIP, family.allowed]), [
        ['IPv4', '10.0.1.2', '10.0.2.2', true],
        ['IPv6', 'fd00:1::2', 'fd00:2::2', false],
      ]);
      assert.match(result.explain.at(-1) ?? '', /families disagree; the answer is IPv4's/);
      assert.equal(canReach(dualStack(false, true), query('web', 'db', 80)).allowed, false);
    });

    it('says when both families agree', () => {
      const result = canReach(dualStack(true, true), query('web', 'db', 80));
      assert.equal(result.allowed, true);
      assert.equal(result.explain.at(-1), 'every family both pods have gives the same answer: allowed');
    });

    it('uses the one family two pods share', () => {
      const result = canReach(dualStack(false, false), query('v6', 'web', 80));
      assert.deepEqual(result.families.map((family) => family.family), ['IPv6']);
      assert.equal(result.allowed, true);
    });

    it('denies pods with no family in common', () => {
      const plans = [firewallPlan('node-a', { pods: [podEntry('app/v4', ['10.0.1.2']), podEntry('app/v6', ['fd00::2'])] })];
      const result = canReach(plans, query('v4', 'v6', 80));
      assert.equal(result.allowed, false);
      assert.deepEqual(result.explain, ['app/v4 (10.0.1.2) and app/v6 (fd00::2) have no IP family in common: no packet can pass']);
    });
  });

  describe('bad questions', () => {
    it('names a pod no plan lists', () => {
      assert.throws(() => canReach(cluster(), query('web', 'nope', 80)), (error: unknown) => {
        assert.ok(error instanceof SimulationQueryError);
        assert.match(error.message, /^to: no pod "app\/nope" in the firewall plans/);
        return true;
      });
    });

    it('refuses plans of two snapshots listing the same pod on two nodes', () => {
      const plans = [firewallPlan('node-a', { pods: [podEntry('app/web', [WEB])] }), firewallPlan('node-b', { pods: [podEntry('app/web', [WEB])] })];
      assert.throws(() => canReach(plans, query('web', 'web', 80)), /app\/web is listed by the plans of node node-a and node node-b/);
    });

    it('refuses ports outside 1..65535 and unknown protocols', () => {
      assert.throws(() => canReach(cluster(), query('web', 'db', 0)), SimulationQueryError);
      assert.throws(() => canReach(cluster(), query('web', 'db', 65536)), SimulationQueryError);
      assert.throws(() => canReach(cluster(), query('web', 'db', 80, 'tcp' as 'TCP')), /protocol: expected one of TCP, UDP, SCTP/);
    });
  });
});
