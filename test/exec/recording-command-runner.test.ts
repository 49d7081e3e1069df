import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { BackendError } from '../../src/core/errors.js';
import { RecordingCommandRunner } from '../../src/exec/index.js';

describe('RecordingCommandRunner', () => {
  it('records every call in order, with its arguments and input', async () => {
    const runner = new RecordingCommandRunner();
    await runner.run('iptables-restore', ['--noflush'], { input: '*nat\nCOMMIT\n' });
    await runner.run('ip', ['route', 'show']);
    assert.deepEqual(runner.calls, [
      { command: 'iptables-restore', args: ['--noflush'], input: '*nat\nCOMMIT\n' },
      { command: 'ip', args: ['route', 'show'], input: undefined },
    ]);
  });

  it('keeps its own copy of the arguments', async () => {
    const runner = new RecordingCommandRunner();
    const args = ['link', 'show'];
    await runner.run('ip', args);
    args.push('changed-later');
    assert.deepEqual(runner.calls[0]?.args, ['link', 'show']);
  });

  it('answers with success and empty output when no rule matches', async () => {
    const runner = new RecordingCommandRunner();
    assert.deepEqual(await runner.run('nft', ['list', 'ruleset']), { stdout: '', stderr: '', exitCode: 0 });
  });

  it('answers from a respondTo rule only when the command and argument prefix match', async () => {
    const runner = new RecordingCommandRunner().respondTo('ip', { stdout: 'default via 10.0.0.1\n' }, ['route', 'show']);
    assert.equal((await runner.run('ip', ['route', 'show', 'table', 'main'])).stdout, 'default via 10.0.0.1\n');
    assert.equal((await runner.run('ip', ['route', 'add', '10.1.0.0/24'])).stdout, '');
    assert.equal((await runner.run('ip', ['route'])).stdout, '');
    assert.equal((await runner.run('nft', ['route', 'show'])).stdout, '');
  });

  it('consults rules in the order they were added', async () => {
    const runner = new RecordingCommandRunner()
      .respondTo('ip', { stdout: 'first' }, ['link'])
      .respondTo('ip', { stdout: 'second' });
    assert.equal((await runner.run('ip', ['link', 'show'])).stdout, 'first');
    assert.equal((await runner.run('ip', ['addr'])).stdout, 'second');
  });

  it('lets a custom rule look at the input', async () => {
    const runner = new RecordingCommandRunner().respond((call) =>
      call.input?.includes('COMMIT') ? { stdout: 'applied' } : undefined,
    );
    assert.equal((await runner.run('iptables-restore', [], { input: '*filter\nCOMMIT\n' })).stdout, 'applied');
    assert.equal((await runner.run('iptables-restore', [], { input: '*filter\n' })).stdout, '');
  });

  it('rejects a scripted non-zero exit with a BackendError, and still records the call', async () => {
    const runner = new RecordingCommandRunner().respondTo('ipset', { exitCode: 1, stderr: 'set does not exist\n' }, ['destroy']);
    await assert.rejects(runner.run('ipset', ['destroy', 'kube-router-x']), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.command, 'ipset');
      assert.deepEqual(error.args, ['destroy', 'kube-router-x']);
      assert.equal(error.exitCode, 1);
      assert.equal(error.stderr, 'set does not exist\n');
      assert.match(error.message, /exit code 1\): set does not exist/);
      return true;
    });
    assert.equal(runner.calls.length, 1);
  });

  it('resolves a scripted non-zero exit listed in allowedExitCodes', async () => {
    const runner = new RecordingCommandRunner().respondTo('ip', { exitCode: 2, stderr: 'no such namespace' });
    const result = await runner.run('ip', ['netns', 'del', 'x'], { allowedExitCodes: [2] });
    assert.deepEqual(result, { stdout: '', stderr: 'no such namespace', exitCode: 2 });
  });
});
