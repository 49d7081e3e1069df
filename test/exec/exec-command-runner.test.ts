import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { BackendError } from '../../src/core/errors.js';
import { ExecCommandRunner } from '../../src/exec/index.js';

/** Awaits `promise`, expecting it to reject with a BackendError, and returns that error. */
async function backendErrorOf(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the run to reject');
}

describe('ExecCommandRunner', function () {
  // Spawning real processes: allow more than mocha's default 2 s on a loaded machine.
  this.timeout(10_000);
  const runner = new ExecCommandRunner();

  it('runs a program with its arguments and returns its output and exit code', async () => {
    const result = await runner.run('/bin/echo', ['hello', 'world']);
    assert.deepEqual(result, { stdout: 'hello world\n', stderr: '', exitCode: 0 });
  });

  it('passes arguments without a shell: substitutions and separators come back literally', async () => {
    const args = ['$(id)', 'a;b', '`uname`', '$HOME', 'x && y', '*'];
    const result = await runner.run('/bin/echo', args);
    assert.equal(result.stdout, `${args.join(' ')}\n`);
  });

  it('feeds input on standard input', async () => {
    const input = '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n';
    const result = await runner.run('cat', [], { input });
    assert.equal(result.stdout, input);
    assert.equal(result.exitCode, 0);
  });

  it('rejects a non-zero exit with a BackendError carrying command, args, exit code and stderr', async () => {
    const args = ['-c', 'echo oops >&2; exit 3'];
    const error = await backendErrorOf(runner.run('sh', args));
    assert.equal(error.command, 'sh');
    assert.deepEqual(error.args, args);
    assert.equal(error.exitCode, 3);
    assert.equal(error.stderr, 'oops\n');
    assert.match(error.message, /exit code 3/);
    assert.match(error.message, /oops/);
  });

  it('resolves an exit code listed in allowedExitCodes', async () => {
    const result = await runner.run('sh', ['-c', 'echo partial; exit 3'], { allowedExitCodes: [3] });
    assert.deepEqual(result, { stdout: 'partial\n', stderr: '', exitCode: 3 });
  });

  it('still rejects an exit code that is not listed in allowedExitCodes', async () => {
    const error = await backendErrorOf(runner.run('sh', ['-c', 'exit 4'], { allowedExitCodes: [3] }));
    assert.equal(error.exitCode, 4);
  });

  it('kills a command that outlives its timeout and rejects with a timeout reason, promptly', async () => {
    const started = Date.now();
    const error = await backendErrorOf(runner.run('sleep', ['5'], { timeoutMs: 200 }));
    const elapsed = Date.now() - started;
    assert.equal(error.command, 'sleep');
    assert.equal(error.exitCode, undefined);
    assert.match(error.reason ?? '', /timeout/);
    assert.match(error.message, /timeout/);
    assert.ok(elapsed >= 150 && elapsed < 2000, `rejected after ${elapsed} ms`);
  });

  // A command that forks (a shell running `sleep; ...`) leaves a grandchild holding the output
  // pipes after the kill; the timeout must still bound the run.
  it('bounds the run by the timeout even when a grandchild keeps the output pipes open', async () => {
    const started = Date.now();
    const error = await backendErrorOf(runner.run('sh', ['-c', 'sleep 2; true'], { timeoutMs: 200 }));
    const elapsed = Date.now() - started;
    assert.match(error.reason ?? '', /timeout/);
    assert.ok(elapsed < 1500, `rejected after ${elapsed} ms, expected about 200 ms`);
  });

  it('rejects a missing program with reason ENOENT and no exit code', async () => {
    const error = await backendErrorOf(runner.run('/nonexistent/kube-router-no-such-tool', ['x']));
    assert.equal(error.command, '/nonexistent/kube-router-no-such-tool');
    assert.deepEqual(error.args, ['x']);
    assert.equal(error.exitCode, undefined);
    assert.equal(error.reason, 'ENOENT');
    assert.match(error.message, /ENOENT/);
  });

  it('uses the constructor default timeout when a run gives none', async () => {
    const quick = new ExecCommandRunner(200);
    const error = await backendErrorOf(quick.run('sleep', ['5']));
    assert.match(error.reason ?? '', /timeout after 200 ms/);
  });
});
