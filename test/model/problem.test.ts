import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { escapeControlCharacters, formatProblem } from '../../src/core/model/index.js';

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

  it('escapes a newline in a name, so one problem stays one line and cannot forge another', () => {
    const line = formatProblem({
      kind: 'Pod',
      namespace: 'default',
      name: 'web\nerror Pod default/db: forged',
      field: 'metadata.name',
      message: 'invalid name',
      severity: 'error',
    });
    assert.equal(line, 'error Pod default/web\\nerror Pod default/db: forged metadata.name: invalid name');
    assert.equal(line.split('\n').length, 1);
  });

  it('escapes terminal escape sequences, NUL and carriage returns in every part', () => {
    const line = formatProblem({
      kind: 'Pod\u001b[2J',
      namespace: 'de\rfault',
      name: 'a\u0000b',
      field: 'spec\tx',
      message: 'value \u001b[31mred\u001b[0m',
      severity: 'warning',
      origin: 'f.yaml\u009b1',
    });
    assert.equal(line, 'warning Pod\\u001b[2J de\\rfault/a\\u0000b spec\\tx: value \\u001b[31mred\\u001b[0m (f.yaml\\u009b1)');
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
  });

  it('escapes line separators and bidirectional controls, and leaves printable text alone', () => {
    assert.equal(escapeControlCharacters('a\u2028b\u202ec\u2066d'), 'a\\u2028b\\u202ec\\u2066d');
    assert.equal(escapeControlCharacters('naïve → 10.0.0.0/8 "quoted" \\n'), 'naïve → 10.0.0.0/8 "quoted" \\n');
    assert.equal(escapeControlCharacters('\u007f'), '\\u007f');
  });
});
