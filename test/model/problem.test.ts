import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { formatProblem } from '../../src/core/model/index.js';

describe('formatProblem', () => {
  it('formats a namespaced problem as severity, kind, namespace/name, field, message and origin', () => {
    const line = formatProblem({
      kind: 'Service',
      namespace: 'default',
      name: 'web',
      field: 'spec.ports[0].port',
      message: 'port must be in 1..65535',
      severity: 'error',
      origin: 'services.yaml:12',
    });
    assert.equal(line, 'error Service default/web spec.ports[0].port: port must be in 1..65535 (services.yaml:12)');
  });

  it('names a cluster-scoped object without a namespace', () => {
    const line = formatProblem({ kind: 'Node', name: 'kube-node1', field: 'spec.podCIDR', message: 'bad CIDR', severity: 'warning' });
    assert.equal(line, 'warning Node kube-node1 spec.podCIDR: bad CIDR');
  });

  it('leaves out an empty field and a missing origin', () => {
    const line = formatProblem({ kind: 'Pod', namespace: 'default', name: 'twin', field: '', message: 'duplicate object', severity: 'warning' });
    assert.equal(line, 'warning Pod default/twin: duplicate object');
  });

  it('writes ? for a missing name', () => {
    assert.equal(
      formatProblem({ kind: 'Pod', namespace: 'default', field: 'metadata.name', message: 'missing', severity: 'error' }),
      'error Pod default/? metadata.name: missing',
    );
    assert.equal(formatProblem({ kind: 'File', field: '', message: 'unreadable', severity: 'error' }), 'error File ?: unreadable');
  });
});
