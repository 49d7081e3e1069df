import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'mocha';
import { labNamespacesOnMachine, skipUnlessRoot } from './root-helpers.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/lab/two-subnets.yaml', import.meta.url).pathname;

/** Runs the CLI in its own process, as a user would; resolves even on a non-zero exit. */
async function cli(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args]);
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; code: number };
    return { stdout: failed.stdout, code: failed.code };
  }
}

describe('kube-router lab CLI across processes (root)', function () {
  this.timeout(60_000);

  it('brings a lab up in one process, probes it from others, and tears it down from another', async function () {
    skipUnlessRoot(this);
    const up = await cli('lab', 'up', '-f', FIXTURE);
    assert.equal(up.code, 0);
    const runId = /^lab ([0-9a-f]{6}):/m.exec(up.stdout)?.[1];
    assert.ok(runId, up.stdout);
    try {
      const probe = await cli('lab', 'probe', '--run', runId, '--from', 'client', '--to', 'node:lab-c', '--port', '9100', '-o', 'json');
      assert.equal(probe.code, 0);
      const result = JSON.parse(probe.stdout) as { answeredBy: string; sourceSeen: string };
      assert.equal(result.answeredBy, 'kube-system/exporter-c');
      assert.match(result.sourceSeen, /^192\.168\.30\.250:\d+$/);
      const refused = await cli('lab', 'probe', '--run', runId, '--from', 'default/echo-a', '--to', 'default/echo-a2', '--port', '8080', '--protocol', 'udp');
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /refused/);
    } finally {
      const down = await cli('lab', 'down', '--run', runId);
      assert.equal(down.code, 0);
    }
    assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${runId}-`)), []);
  });
});
