import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = process.cwd();

/** Bytes under `dir`, counting each file once (what `du --apparent-size` counts). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** The README's embedding example: the first `js` block under "## Embedding", as a reader copies it. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no js block under "## Embedding"');
  return match[1];
}

/**
 * The package as an embedder meets it: `npm pack`, installed into a fresh folder with npm's
 * defaults, the README's example run as written, every subpath imported. Needs the npm
 * registry for the dependencies (npm's cache first).
 */
describe('the packed package in a fresh consumer project', function () {
  this.timeout(300_000);
  let dir: string;
  let consumer: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-consumer-'));
    // prepack builds dist/ from the sources, so the tarball is what these sources make.
    const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    const tarball = join(dir, stdout.trim().split('\n').pop() ?? '');
    consumer = join(dir, 'consumer');
    await run('mkdir', [consumer]);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--silent'], { cwd: consumer, maxBuffer: 16 * 1024 * 1024 });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the README example as written, over the seed cluster the package ships', async () => {
    await writeFile(join(consumer, 'example.mjs'), await readmeExample());
    const { stdout, stderr } = await run(process.execPath, ['example.mjs'], { cwd: consumer });
    // Read by hand from examples/seed-cluster: frontend/web has web-1 and web-2 ready and web-3
    // terminating (left out while ready ones exist); 9 services with 10 ports in all.
    assert.match(stdout, /^frontend\/web:http\/TCP -> 2 endpoints$/m);
    assert.match(stdout, /^changed 10, removed 0$/m);
    assert.match(stdout, /^\d+ policies apply here$/m);
    assert.equal(stderr, '', 'the seed cluster has no problems');
  });

  it('does not install the Kubernetes client for an embedder who does not ask for it, and says how big it is', async () => {
    await assert.rejects(access(join(consumer, 'node_modules', '@kubernetes', 'client-node')));
    const bytes = await treeBytes(join(consumer, 'node_modules'));
    console.log(`      installed node_modules: ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    // The own package's share: the shipped sources are compiled output and examples, no maps.
    const own = await treeBytes(join(consumer, 'node_modules', 'kube-router'));
    console.log(`      of which kube-router itself: ${(own / 1024 / 1024).toFixed(1)} MB`);
    const maps = (await run('find', [join(consumer, 'node_modules', 'kube-router'), '-name', '*.map'])).stdout.trim();
    assert.equal(maps, '', 'no source maps pointing at sources the package does not ship');
  });

  it('imports every entry point; only kube-router/agent loads reflect-metadata', async () => {
    const script = `
      const root = await import('kube-router');
      const before = typeof Reflect.getMetadata;
      const mock = await import('kube-router/mock');
      const lab = await import('kube-router/lab');
      const agent = await import('kube-router/agent');
      console.log(JSON.stringify({
        root: typeof root.ClusterStore, mock: typeof mock.MockProxyBackend, lab: typeof lab.Lab,
        agent: typeof agent.composeNodeAgent, before, after: typeof Reflect.getMetadata,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    assert.deepEqual(JSON.parse(stdout), {
      root: 'function', mock: 'function', lab: 'function', agent: 'function', before: 'undefined', after: 'function',
    });
  });

  it('runs the kube-router binary', async () => {
    const { stdout } = await run(join(consumer, 'node_modules', '.bin', 'kube-router'), ['--version'], { cwd: consumer });
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.match(stdout, new RegExp(pkg.version.replace(/\./g, '\\.')));
  });
});
