import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawPod, rawPolicy } from './raw-objects.js';

type RawPolicy = { apiVersion: string; kind: string; spec: { ingress: { from: unknown[] }[] } };

function policy(change: (raw: RawPolicy) => void): Record<string, unknown> {
  const raw = rawPolicy('deny') as unknown as RawPolicy;
  change(raw);
  return raw as unknown as Record<string, unknown>;
}

describe('ClusterStore with strict conversion', () => {
  it('records a NetworkPolicy of an unknown Kubernetes apiVersion as an error instead of skipping it', () => {
    for (const change of [(r: RawPolicy) => (r.apiVersion = 'networking.k8s.io/v2'), (r: RawPolicy) => (r.apiVersion = 'v1'), (r: RawPolicy) => (r.kind = 'networkpolicy')]) {
      const store = new ClusterStore();
      store.upsert(policy(change), 'policies.yaml:1');
      const problems = store.snapshot().problems();
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.severity, 'error');
      assert.equal(problems[0]?.origin, 'policies.yaml:1');
      assert.equal(problems[0]?.name, 'deny');
    }
  });

  it('keeps a policy with a bad rule in force, so the pods it selects stay isolated', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('web-1', { labels: { app: 'web' } }));
    store.upsert(policy((r) => r.spec.ingress[0]!.from.push({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } })));
    const snapshot = store.snapshot();
    const kept = snapshot.networkPolicy('default/deny');
    assert.ok(kept, 'the policy stays');
    assert.deepEqual(kept.ingress, []);
    assert.deepEqual(snapshot.podsMatching(kept.podSelector, 'default').map((pod) => pod.key), ['default/web-1']);
    assert.deepEqual(snapshot.problems().map((problem) => [problem.severity, problem.field]), [['error', 'spec.ingress[0].from[1].ipBlock.except[0]']]);
  });
});
