import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { reachabilityMatrix, reachabilityMatrixLines } from '../../src/core/simulator/index.js';
import { firewallPlan, podEntry, podSet, policy, port, rule } from './plan-builders.js';

// app/a and app/b on node-a, app/c on node-b. c accepts TCP 80 from a only; b may send only
// to c. Worked out by hand: a→b yes, a→c yes (rule), b→a no (b's egress), b→c no (c's
// ingress: b is not in the set), c→a yes, c→b yes, and every pod to itself yes.
const plans = [
  firewallPlan('node-a', {
    pods: [podEntry('app/a', ['10.0.1.2']), podEntry('app/b', ['10.0.1.3'], { egress: ['app/b-out'] })],
    policies: [policy('app/b-out', { egress: [rule(['c'])] })],
    peerSets: [podSet('c', ['10.0.2.2'])],
  }),
  firewallPlan('node-b', {
    pods: [podEntry('app/c', ['10.0.2.2'], { ingress: ['app/c-in'] })],
    policies: [policy('app/c-in', { ingress: [rule(['a'], [port('TCP', 80)])] })],
    peerSets: [podSet('a', ['10.0.1.2'])],
  }),
];

describe('reachabilityMatrix', () => {
  it('answers every ordered pair, a pod to itself included', () => {
    const result = reachabilityMatrix(plans, ['app/a', 'app/b', 'app/c'], 80, 'TCP');
    assert.deepEqual(result.matrix, {
      'app/a': { 'app/a': true, 'app/b': true, 'app/c': true },
      'app/b': { 'app/a': false, 'app/b': true, 'app/c': false },
      'app/c': { 'app/a': true, 'app/b': true, 'app/c': true },
    });
    assert.equal(result.port, 80);
    assert.equal(result.protocol, 'TCP');
  });

  it('follows the port: c takes only TCP 80 from a', () => {
    assert.equal(reachabilityMatrix(plans, ['app/a', 'app/c'], 81, 'TCP').matrix['app/a']?.['app/c'], false);
    assert.equal(reachabilityMatrix(plans, ['app/a', 'app/c'], 80, 'UDP').matrix['app/a']?.['app/c'], false);
  });

  it('keeps the order of the pods given, in rows and columns (JSON prints in that order)', () => {
    const result = reachabilityMatrix(plans, ['app/c', 'app/a'], 80, 'TCP');
    assert.equal(JSON.stringify(result.matrix), '{"app/c":{"app/c":true,"app/a":true},"app/a":{"app/c":true,"app/a":true}}');
  });

  it('prints as a grid with the pods numbered and a count', () => {
    const lines = reachabilityMatrixLines([reachabilityMatrix(plans, ['app/a', 'app/b', 'app/c'], 80, 'TCP')]);
    assert.deepEqual(lines, [
      '1  app/a',
      '2  app/b',
      '3  app/c',
      '',
      'TCP/80  (rows: from, columns: to; + allowed, . denied)',
      '   123',
      '1  +++',
      '2  .+.',
      '3  +++',
      '7 of 9 pairs allowed',
    ]);
  });

  it('numbers columns past 9 with a tens row', () => {
    const many = Array.from({ length: 11 }, (_, index) => `app/p${String(index).padStart(2, '0')}`);
    const open = [firewallPlan('node-a', { pods: many.map((key, index) => podEntry(key, [`10.0.3.${index + 2}`])) })];
    const lines = reachabilityMatrixLines([reachabilityMatrix(open, many, 80, 'TCP')]);
    assert.equal(lines[13], '             11');
    assert.equal(lines[14], '    12345678901');
    assert.equal(lines.at(-1), '121 of 121 pairs allowed');
  });
});
