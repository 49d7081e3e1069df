import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  matchesSelector,
  SELECT_ALL,
  selectsEverything,
  type LabelRequirement,
  type LabelSelector,
} from '../../src/core/model/index.js';

function selector(matchLabels: Record<string, string>, ...matchExpressions: LabelRequirement[]): LabelSelector {
  return { matchLabels, matchExpressions };
}

describe('matchesSelector', () => {
  const web = { app: 'web', tier: 'frontend' };

  it('matchLabels: every listed label must be present with that exact value', () => {
    assert.equal(matchesSelector(selector({ app: 'web' }), web), true);
    assert.equal(matchesSelector(selector({ app: 'web', tier: 'frontend' }), web), true);
    assert.equal(matchesSelector(selector({ app: 'api' }), web), false);
    assert.equal(matchesSelector(selector({ app: 'web', env: 'prod' }), web), false);
    // Values compare exactly: no case folding, no prefix match.
    assert.equal(matchesSelector(selector({ app: 'Web' }), web), false);
    assert.equal(matchesSelector(selector({ app: 'we' }), web), false);
  });

  it('an empty label value only matches an empty label value', () => {
    const master = { 'node-role.kubernetes.io/control-plane': '' };
    assert.equal(matchesSelector(selector({ 'node-role.kubernetes.io/control-plane': '' }), master), true);
    assert.equal(matchesSelector(selector({ 'node-role.kubernetes.io/control-plane': '' }), {}), false);
  });

  it('In: the key must exist with one of the values', () => {
    const inFrontOrBack = selector({}, { key: 'tier', operator: 'In', values: ['frontend', 'backend'] });
    assert.equal(matchesSelector(inFrontOrBack, web), true);
    assert.equal(matchesSelector(inFrontOrBack, { tier: 'backend' }), true);
    assert.equal(matchesSelector(inFrontOrBack, { tier: 'secure' }), false);
    assert.equal(matchesSelector(inFrontOrBack, { app: 'web' }), false);
  });

  it('NotIn: matches when the value is not listed, and when the key is missing', () => {
    const notSecure = selector({}, { key: 'tier', operator: 'NotIn', values: ['secure'] });
    assert.equal(matchesSelector(notSecure, web), true);
    assert.equal(matchesSelector(notSecure, { tier: 'secure' }), false);
    assert.equal(matchesSelector(notSecure, { app: 'toolbox' }), true);
    assert.equal(matchesSelector(notSecure, {}), true);
  });

  it('Exists and DoesNotExist look only at the key, whatever its value', () => {
    const hasTier = selector({}, { key: 'tier', operator: 'Exists', values: [] });
    const noTier = selector({}, { key: 'tier', operator: 'DoesNotExist', values: [] });
    assert.equal(matchesSelector(hasTier, web), true);
    assert.equal(matchesSelector(hasTier, { tier: '' }), true);
    assert.equal(matchesSelector(hasTier, { app: 'web' }), false);
    assert.equal(matchesSelector(noTier, web), false);
    assert.equal(matchesSelector(noTier, { tier: '' }), false);
    assert.equal(matchesSelector(noTier, { app: 'web' }), true);
  });

  it('keys inherited from Object.prototype do not count as present labels', () => {
    assert.equal(matchesSelector(selector({}, { key: 'constructor', operator: 'Exists', values: [] }), {}), false);
    assert.equal(matchesSelector(selector({}, { key: 'toString', operator: 'DoesNotExist', values: [] }), {}), true);
    assert.equal(matchesSelector(selector({ constructor: 'x' }), {}), false);
  });

  it('ANDs every term: matchLabels and each expression must all hold', () => {
    const frontendWeb = selector(
      { app: 'web' },
      { key: 'tier', operator: 'In', values: ['frontend'] },
      { key: 'legacy', operator: 'DoesNotExist', values: [] },
    );
    assert.equal(matchesSelector(frontendWeb, web), true);
    assert.equal(matchesSelector(frontendWeb, { ...web, legacy: 'yes' }), false);
    assert.equal(matchesSelector(frontendWeb, { app: 'web', tier: 'backend' }), false);
    assert.equal(matchesSelector(frontendWeb, { app: 'api', tier: 'frontend' }), false);
    const twoExpressions = selector(
      {},
      { key: 'tier', operator: 'Exists', values: [] },
      { key: 'tier', operator: 'NotIn', values: ['frontend'] },
    );
    assert.equal(matchesSelector(twoExpressions, web), false);
    assert.equal(matchesSelector(twoExpressions, { tier: 'backend' }), true);
  });

  it('an empty selector selects everything, including objects without labels', () => {
    assert.equal(selectsEverything(SELECT_ALL), true);
    assert.equal(selectsEverything(selector({})), true);
    assert.equal(selectsEverything(selector({ app: 'web' })), false);
    assert.equal(selectsEverything(selector({}, { key: 'a', operator: 'Exists', values: [] })), false);
    assert.equal(matchesSelector(SELECT_ALL, {}), true);
    assert.equal(matchesSelector(SELECT_ALL, web), true);
    assert.equal(matchesSelector(selector({}), { anything: 'at-all' }), true);
  });
});
