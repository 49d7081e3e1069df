import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertNetworkPolicy } from '../../src/core/convert/index.js';
import type { NetworkPolicy, Problem } from '../../src/core/model/index.js';
import { patched, rawPolicy, type Raw } from './fixtures.js';

// A NetworkPolicy that is kept keeps the pods it selects isolated; a dropped one opens them.
// So a flaw costs the smallest whole unit that cannot widen what is allowed: a rule, never a
// part of one; the policy only when which pods it selects cannot be known.

const ALL = { matchLabels: {}, matchExpressions: [] };
const FRONTEND_RULE = { peers: [{ podSelector: { matchLabels: { role: 'frontend' }, matchExpressions: [] } }], ports: [{ protocol: 'TCP', port: 8080 }] };

function convert(raw: Raw): { policy: NetworkPolicy | undefined; problems: Problem[] } {
  const result = convertNetworkPolicy(raw);
  return { policy: result.object as NetworkPolicy | undefined, problems: result.problems };
}

const fields = (problems: readonly Problem[]): string[][] => problems.map((problem) => [problem.severity, problem.field]);

describe('convertNetworkPolicy fails closed', () => {
  it('drops only the bad rule, names it, and keeps the policy with its other rules', () => {
    const raw = patched(rawPolicy(), (r) => {
      r.spec.ingress.push({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['172.16.0.0/16'] } }] });
      r.spec.ingress.push({ from: [{ namespaceSelector: {} }] });
    });
    const { policy, problems } = convert(raw);
    assert.deepEqual(fields(problems), [['error', 'spec.ingress[1].from[0].ipBlock.except[0]']]);
    assert.match(problems[0]?.message ?? '', /172\.16\.0\.0\/16 is not a strict subnet of cidr 10\.0\.0\.0\/8; the whole rule spec\.ingress\[1\] is dropped/);
    assert.deepEqual(policy?.ingress, [FRONTEND_RULE, { peers: [{ namespaceSelector: ALL }], ports: [] }]);
    assert.deepEqual(policy?.policyTypes, ['Ingress']);
  });

  it('never keeps a rule without its bad port, which would allow every port', () => {
    const raw = patched(rawPolicy(), (r) => (r.spec.ingress[0].ports = [{ port: 8080 }, { port: 70000 }]));
    const { policy, problems } = convert(raw);
    assert.deepEqual(fields(problems), [['error', 'spec.ingress[0].ports[1].port']]);
    assert.deepEqual(policy?.ingress, []);
  });

  it('never keeps a rule without its bad peer, which would allow every source', () => {
    const raw = patched(rawPolicy(), (r) => r.spec.ingress[0].from.push({ ipBlock: { cidr: 'not-a-cidr' } }));
    const { policy, problems } = convert(raw);
    assert.deepEqual(fields(problems), [['error', 'spec.ingress[0].from[1].ipBlock.cidr']]);
    assert.deepEqual(policy?.ingress, []);
  });

  it('keeps egress isolated when every written egress rule is dropped', () => {
    const raw = patched(rawPolicy(), (r) => (r.spec.egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }]));
    const { policy } = convert(raw);
    // Without policyTypes, Kubernetes infers Egress from the egress section the author wrote.
    assert.deepEqual(policy?.policyTypes, ['Ingress', 'Egress']);
    assert.equal(policy?.policyTypesExplicit, false);
    assert.deepEqual(policy?.egress, []);
    assert.deepEqual(policy?.ingress, [FRONTEND_RULE]);
  });

  it('isolates egress with no rule when the egress section is not a list', () => {
    const { policy, problems } = convert(patched(rawPolicy(), (r) => (r.spec.egress = { to: [] })));
    assert.deepEqual(fields(problems), [['error', 'spec.egress']]);
    assert.deepEqual(policy?.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(policy?.egress, []);
  });

  it('reads a missing podSelector as {}, as Kubernetes does: every pod of the namespace', () => {
    const { policy, problems } = convert(patched(rawPolicy(), (r) => delete r.spec.podSelector));
    assert.deepEqual(fields(problems), [['warning', 'spec.podSelector']]);
    assert.deepEqual(policy?.podSelector, ALL);
    assert.deepEqual(policy?.ingress, [FRONTEND_RULE]);
  });

  it('reads a policy without spec as Kubernetes does: deny all ingress to every pod of the namespace', () => {
    const { policy, problems } = convert(patched(rawPolicy(), (r) => delete r.spec));
    assert.deepEqual(fields(problems), [['warning', 'spec']]);
    assert.deepEqual(policy?.podSelector, ALL);
    assert.deepEqual(policy?.policyTypes, ['Ingress']);
    assert.deepEqual(policy?.ingress, []);
  });

  it('drops the policy when spec.podSelector is invalid, and says its pods are not isolated by it', () => {
    const raw = patched(rawPolicy(), (r) => (r.spec.podSelector = { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }));
    const { policy, problems } = convert(raw);
    assert.equal(policy, undefined);
    assert.deepEqual(fields(problems), [['error', 'spec.podSelector.matchExpressions[0].values']]);
    assert.match(problems[0]?.message ?? '', /operator In needs at least one value; the whole policy is dropped, as which pods it selects cannot be known, so it isolates no pod/);
  });

  it('drops the policy when spec is not an object', () => {
    const { policy, problems } = convert(patched(rawPolicy(), (r) => (r.spec = ['x'])));
    assert.equal(policy, undefined);
    assert.deepEqual(fields(problems), [['error', 'spec']]);
  });
});

describe('convertNetworkPolicy: flawed policyTypes fail closed', () => {
  /** A policy selecting app=web with one ingress rule and one egress rule allowing everything. */
  function withTypes(policyTypes: unknown): Raw {
    return patched(rawPolicy(), (r) => {
      r.spec.egress = [{}];
      r.spec.policyTypes = policyTypes;
    });
  }

  it('isolates the direction an unknown type may have meant, with none of this policy\'s rules for it', () => {
    const { policy, problems } = convert(withTypes(['Ingress', 'Sideways']));
    assert.deepEqual(fields(problems), [['error', 'spec.policyTypes[1]']]);
    assert.match(problems[0]?.message ?? '', /since it may have meant Egress, Egress of the selected pods is isolated/);
    assert.deepEqual(policy?.policyTypes, ['Ingress', 'Egress']);
    assert.equal(policy?.policyTypesExplicit, true);
    assert.deepEqual(policy?.ingress, [FRONTEND_RULE]);
    // The egress rule allowing everything is not applied: the entry may not have meant Egress.
    assert.deepEqual(policy?.egress, []);
  });

  it('isolates both directions with no rules when no type is named validly', () => {
    for (const types of [['Egres'], 'Ingress']) {
      const { policy, problems } = convert(withTypes(types));
      assert.equal(problems.length, 1, JSON.stringify(types));
      assert.equal(problems[0]?.severity, 'error');
      assert.deepEqual(policy?.policyTypes, ['Ingress', 'Egress'], JSON.stringify(types));
      assert.deepEqual(policy?.ingress, []);
      assert.deepEqual(policy?.egress, []);
    }
  });

  it('keeps both directions with their rules when both are named beside a bad entry', () => {
    const { policy, problems } = convert(withTypes(['Ingress', 'Egress', 'Bogus']));
    assert.deepEqual(fields(problems), [['error', 'spec.policyTypes[2]']]);
    assert.match(problems[0]?.message ?? '', /ignored, as Ingress and Egress are both named/);
    assert.deepEqual(policy?.ingress, [FRONTEND_RULE]);
    assert.deepEqual(policy?.egress, [{ peers: [], ports: [] }]);
  });

  it('warns about a repeated type, and refuses a third entry as Kubernetes does', () => {
    const twice = convert(withTypes(['Egress', 'Egress']));
    assert.deepEqual(fields(twice.problems), [['warning', 'spec.policyTypes[1]']]);
    assert.deepEqual(twice.policy?.policyTypes, ['Egress']);
    const thrice = convert(withTypes(['Ingress', 'Egress', 'Ingress']));
    assert.deepEqual(fields(thrice.problems), [['error', 'spec.policyTypes[2]']]);
    assert.deepEqual(thrice.policy?.policyTypes, ['Ingress', 'Egress']);
  });
});
