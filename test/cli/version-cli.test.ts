import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'mocha';
import { REPO_ROOT, runCli } from './run-cli.js';

describe('kube-router --version', function () {
  this.timeout(60_000);
  const expected = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string }).version;

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints the package version and exits 0`, async () => {
      const run = await runCli([flag]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${expected}\n`);
      assert.equal(run.stderr, '');
    });
  }
});
