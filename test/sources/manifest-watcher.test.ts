import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { formatProblem } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { ManifestSource } from '../../src/sources/manifest-source.js';

function namespaceDoc(name: string, label = 'x'): string {
  return `kind: Namespace\napiVersion: v1\nmetadata:\n  name: ${name}\n  labels: {tier: ${label}}\n`;
}

function namespaces(store: ClusterStore): string[] {
  return store.snapshot().namespaces().map((namespace) => namespace.name);
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ManifestSource in watch mode', function () {
  this.timeout(15_000);
  let dir: string;
  let store: ClusterStore;
  let source: ManifestSource;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-watch-'));
    store = new ClusterStore();
  });

  afterEach(async () => {
    await source?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startOn(paths: string[], pollIntervalMs = 0): Promise<void> {
    source = new ManifestSource(paths, { watch: true, debounceMs: 20, pollIntervalMs });
    await source.start(store);
    assert.ok(store.isSynced());
  }

  it('delivers the initial list, then a file edited, added and removed as update, add and delete', async () => {
    await writeFile(join(dir, 'a.yaml'), `${namespaceDoc('alpha')}---\n${namespaceDoc('beta')}`);
    await startOn([dir]);
    assert.deepEqual(namespaces(store), ['alpha', 'beta']);

    // Edited: beta disappears from the file, alpha changes its label.
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('alpha', 'y'));
    await eventually(() => namespaces(store).join() === 'alpha', 'beta to be deleted');
    assert.equal(store.snapshot().namespaces()[0]?.labels['tier'], 'y');

    // Added.
    await writeFile(join(dir, 'b.yml'), namespaceDoc('gamma'));
    await eventually(() => namespaces(store).join() === 'alpha,gamma', 'gamma to be added');

    // Removed.
    await unlink(join(dir, 'a.yaml'));
    await eventually(() => namespaces(store).join() === 'gamma', 'alpha to be deleted with its file');
  });

  it('keeps the last good objects of a half-written file and reports it as a problem', async () => {
    await writeFile(join(dir, 'a.yaml'), `${namespaceDoc('alpha')}---\n${namespaceDoc('beta')}`);
    await startOn([dir]);
    const generation = store.generation;
    await writeFile(join(dir, 'a.yaml'), 'kind: Namespace\nmetadata:\n  name: [alpha\n');
    await eventually(() => store.snapshot().problems().length > 0, 'a problem for the broken file');
    assert.deepEqual(namespaces(store), ['alpha', 'beta']);
    assert.match(formatProblem(store.snapshot().problems()[0]!), /a\.yaml:\d+:\d+/);
    assert.ok(store.generation > generation);

    // Fixed: the file's objects follow again.
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('beta'));
    await eventually(() => namespaces(store).join() === 'beta', 'the fixed file to apply');
    // And its problem is withdrawn (it used to stay until the process ended).
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('withdraws the problems of a broken file once it is removed', async () => {
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('alpha'));
    await writeFile(join(dir, 'broken.yaml'), 'kind: [\n');
    await startOn([dir]);
    assert.equal(store.snapshot().problems().length, 1);
    await unlink(join(dir, 'broken.yaml'));
    await source.rescanNow();
    assert.deepEqual(store.snapshot().problems(), []);
    assert.deepEqual(namespaces(store), ['alpha']);
  });

  it('follows a file named explicitly when it is replaced by a rename (as editors and lab apply do)', async () => {
    const file = join(dir, 'cluster.yaml');
    await writeFile(file, namespaceDoc('alpha'));
    await startOn([file]);
    await writeFile(join(dir, '.next'), namespaceDoc('delta'));
    await rename(join(dir, '.next'), file);
    await eventually(() => namespaces(store).join() === 'delta', 'the replaced file to apply');
  });

  it('moves an object between files without deleting it', async () => {
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('alpha'));
    await startOn([dir]);
    const seen: string[] = [];
    store.onChange(() => seen.push(namespaces(store).join()));
    await writeFile(join(dir, '.b'), namespaceDoc('alpha', 'moved'));
    await unlink(join(dir, 'a.yaml'));
    await rename(join(dir, '.b'), join(dir, 'b.yaml'));
    await eventually(() => store.snapshot().namespaces()[0]?.labels['tier'] === 'moved', 'the moved object');
    assert.deepEqual(namespaces(store), ['alpha']);
    assert.ok(!seen.includes(''), `alpha was gone for a moment: ${JSON.stringify(seen)}`);
  });

  it('picks changes up through the poll when file events are not delivered', async () => {
    const file = join(dir, 'a.yaml');
    await writeFile(file, namespaceDoc('alpha'));
    source = new ManifestSource([file], { watch: true, debounceMs: 20, pollIntervalMs: 50, fsWatch: false });
    await source.start(store);
    await writeFile(file, namespaceDoc('epsilon'));
    await eventually(() => namespaces(store).join() === 'epsilon', 'the poll to catch the edit');
  });

  it('stops delivering after stop', async () => {
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('alpha'));
    await startOn([dir], 30);
    await source.stop();
    const generation = store.generation;
    await writeFile(join(dir, 'a.yaml'), namespaceDoc('zeta'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(store.generation, generation);
    assert.deepEqual(namespaces(store), ['alpha']);
  });
});
