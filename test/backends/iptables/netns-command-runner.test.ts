import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { NetnsCommandRunner } from '../../../src/backends/iptables/index.js';
import { ConfigError } from '../../../src/core/errors.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';

describe('NetnsCommandRunner', () => {
  it('runs the command as an argument vector after ip netns exec, passing input through', async () => {
    const inner = new RecordingCommandRunner();
    await new NetnsCommandRunner(inner, 'node-a').run('iptables-restore', ['--noflush', '-w'], { input: '*filter\nCOMMIT\n' });
    assert.deepEqual(inner.calls, [
      { command: 'ip', args: ['netns', 'exec', 'node-a', 'iptables-restore', '--noflush', '-w'], input: '*filter\nCOMMIT\n' },
    ]);
  });

  it('refuses a namespace name that could be read as an option or a path', () => {
    for (const bad of ['-all', '../x', 'a b', '', 'a;b']) {
      assert.throws(() => new NetnsCommandRunner(new RecordingCommandRunner(), bad), ConfigError, bad);
    }
  });
});
