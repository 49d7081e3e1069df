import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Problem } from '../../src/core/model/index.js';
import { formatProblem } from '../../src/core/model/index.js';
import { problemLines, problemsSummary } from '../../src/cli/render/problems-text.js';

const fileProblem: Problem = { kind: 'File', name: '/x.yaml', field: '', severity: 'error', message: '/x.yaml:17:3: Flow map must end with a }' };
const duplicate: Problem = {
  kind: 'Pod', namespace: 'default', name: 'twin', field: '', severity: 'warning',
  message: 'duplicate object, the later one wins (a.yaml:25 vs b.yaml:3)', origin: 'b.yaml:3',
};
const badPort: Problem = {
  kind: 'Service', namespace: 'default', name: 'web', field: 'spec.ports[0].port', severity: 'error',
  message: 'port dropped', origin: 's.yaml:4',
};
const podError: Problem = { kind: 'Pod', namespace: 'default', name: 'p', field: 'status.podIP', severity: 'error', message: 'pod IP dropped' };

describe('problem text output', () => {
  // Expected lines written by hand from the problems above.
  it('names a file once, not "File /x.yaml: /x.yaml:17:3"', () => {
    assert.equal(formatProblem(fileProblem), 'error File /x.yaml:17:3: Flow map must end with a }');
  });

  it('does not repeat an origin the message already names', () => {
    assert.equal(formatProblem(duplicate), 'warning Pod default/twin: duplicate object, the later one wins (a.yaml:25 vs b.yaml:3)');
    assert.equal(formatProblem(badPort), 'error Service default/web spec.ports[0].port: port dropped (s.yaml:4)');
  });

  it('counts with the right plurals', () => {
    assert.equal(problemsSummary([]), 'no problems');
    assert.equal(problemsSummary([badPort]), '1 problem: 1 error, 0 warnings');
    assert.equal(problemsSummary([badPort, duplicate, podError]), '3 problems: 2 errors, 1 warning');
  });

  it('groups by kind (files first, pods before services) with errors first in each group', () => {
    assert.deepEqual(problemLines([badPort, duplicate, podError, fileProblem]), [
      '4 problems: 3 errors, 1 warning',
      '  File:',
      '    error /x.yaml:17:3: Flow map must end with a }',
      '  Pod:',
      '    error default/p status.podIP: pod IP dropped',
      '    warning default/twin: duplicate object, the later one wins (a.yaml:25 vs b.yaml:3)',
      '  Service:',
      '    error default/web spec.ports[0].port: port dropped (s.yaml:4)',
    ]);
  });

  it('escapes a newline in a name, so one problem stays one line', () => {
    const lines = problemLines([{ ...podError, name: 'p\nerror Pod forged' }]);
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '    error default/p\\nerror Pod forged status.podIP: pod IP dropped');
  });
});
