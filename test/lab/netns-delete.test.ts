import assert from 'node:assert/strict';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';
import { LabError } from '../../src/lab/errors.js';
import { deleteNetns } from '../../src/lab/netns.js';

/** A fake `ip` whose `netns delete` removes a name only once it has been asked `times` times. */
function stubbornIp(namespaces: Map<string, number>): RecordingCommandRunner {
  return new RecordingCommandRunner().respond((call) => {
    if (call.args[0] === 'netns' && call.args[1] === 'list') return { stdout: [...namespaces.keys()].map((name) => `${name} (id: 1)\n`).join('') };
    if (call.args.includes('-batch')) {
      let failed = false;
      for (const line of (call.input ?? '').split('\n').filter(Boolean)) {
        const name = line.replace('netns delete ', '');
        const left = namespaces.get(name);
        if (left === undefined) continue;
        if (left <= 1) namespaces.delete(name);
        else {
          namespaces.set(name, left - 1);
          failed = true;
        }
      }
      return failed ? { exitCode: 1, stderr: 'Cannot remove namespace file: Device or resource busy\n' } : {};
    }
    return undefined;
  });
}

describe('deleteNetns', () => {
  it('deletes again a namespace that is still listed after the first delete, and only that one', async () => {
    const namespaces = new Map([['krlab-a', 1], ['krlab-b', 2], ['other', 1]]);
    const runner = stubbornIp(namespaces);
    await deleteNetns(runner, ['krlab-a', 'krlab-b']);
    assert.deepEqual([...namespaces.keys()], ['other']);
    const deletes = runner.calls.filter((call) => call.args.includes('-batch')).map((call) => call.input);
    assert.deepEqual(deletes, ['netns delete krlab-a\nnetns delete krlab-b\n', 'netns delete krlab-b\n']);
  });

  it('throws a LabError with what ip said when a namespace never goes', async () => {
    const runner = stubbornIp(new Map([['krlab-stuck', 100]]));
    await assert.rejects(deleteNetns(runner, ['krlab-stuck']), (error: unknown) =>
      error instanceof LabError && /krlab-stuck could not be deleted: Cannot remove namespace file/.test(error.message));
  });

  it('runs nothing for no names', async () => {
    const runner = stubbornIp(new Map());
    await deleteNetns(runner, []);
    assert.equal(runner.calls.length, 0);
  });
});
