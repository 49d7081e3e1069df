import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface ApiNode {
  readonly name: string;
  readonly children?: readonly ApiNode[];
  readonly categories?: readonly { readonly title: string; readonly children: readonly number[] }[];
  readonly documents?: readonly ApiNode[];
  readonly id: number;
}

/**
 * The API site as a reader meets it: modules named by the import path that loads them, the
 * root entry's symbols under a few topics, internals left out, and the README's links to the
 * docs pages resolved. Built once with the project's own typedoc.json, as JSON.
 */
describe('API docs (typedoc)', function () {
  this.timeout(120_000);
  let project: ApiNode;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-apidocs-'));
    const out = join(dir, 'api.json');
    await run(process.execPath, ['node_modules/typedoc/bin/typedoc', '--json', out], { maxBuffer: 16 * 1024 * 1024 });
    project = JSON.parse(await readFile(out, 'utf8')) as ApiNode;
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names each module by its import path', () => {
    assert.deepEqual(project.children?.map((child) => child.name), ['kube-router', 'kube-router/agent', 'kube-router/lab', 'kube-router/mock']);
  });

  it('files every symbol of the root entry under one of the topics, in reading order', () => {
    const root = project.children?.find((child) => child.name === 'kube-router');
    assert.deepEqual(root?.categories?.map((category) => category.title), [
      'Model', 'Store and sources', 'Planners', 'Plans', 'Backends', 'Controllers', 'Simulator',
    ]);
    const categorised = new Set(root?.categories?.flatMap((category) => category.children));
    assert.equal(categorised.size, root?.children?.length);
    const inCategory = (title: string): string[] => {
      const ids = new Set(root?.categories?.find((category) => category.title === title)?.children);
      return (root?.children ?? []).filter((child) => ids.has(child.id)).map((child) => child.name);
    };
    // Spot checks against where each symbol is declared.
    assert.ok(inCategory('Store and sources').includes('ClusterStore'));
    assert.ok(inCategory('Planners').includes('planServices'));
    assert.ok(inCategory('Plans').includes('ProxyPlan'));
    assert.ok(inCategory('Backends').includes('FirewallBackend'));
    assert.ok(inCategory('Simulator').includes('tracePacket'));
  });

  it('keeps internals out of the public API', () => {
    const names = new Set(project.children?.flatMap((module) => module.children?.map((child) => child.name) ?? []));
    for (const internal of ['ProblemCollector', 'SortedTable', 'deliverInBatch', 'DirtyChanges', 'FirewallPlanIndex']) {
      assert.equal(names.has(internal), false, internal);
    }
    assert.ok(names.has('SortedView'), 'FragmentMap is a SortedView: it stays documented');
  });

  it('carries docs/architecture.md and docs/performance.md as pages, so the README links work', () => {
    assert.deepEqual(project.documents?.map((document) => document.name), ['architecture', 'performance']);
  });
});
