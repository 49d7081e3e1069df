import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'mocha';
import { loadCluster } from '../../src/sources/load-cluster.js';
import { findManifestEntries } from '../../src/sources/manifest-files.js';
import { parseManifest } from '../../src/sources/manifest-parser.js';
import { MAX_MANIFEST_BYTES, readManifestFile } from '../../src/sources/manifest-reader.js';
import { ManifestTextSource } from '../../src/sources/manifest-text.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';

const HOSTILE = join('test', 'fixtures', 'hostile');
const run = promisify(execFile);

function namespaceDoc(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
}

function fileMessages(problems: readonly { kind: string; message: string }[]): string[] {
  return problems.filter((problem) => problem.kind === 'File').map((problem) => problem.message);
}

describe('hostile manifests: YAML aliases', () => {
  it('loads a List that reuses one anchor in 101 items (the yaml library refuses it by default: checked)', () => {
    const parsed = parseManifest(readFileSync(join(HOSTILE, 'anchors-101-items.yaml'), 'utf8'), 'l.yaml');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.objects.length, 101);
    const last = parsed.objects[100]?.object as { metadata: { name: string; labels: Record<string, string> } };
    assert.equal(last.metadata.name, 'ns-100');
    assert.deepEqual(last.metadata.labels, { team: 'net', tier: 'front' });
  });

  it('makes an alias bomb a File problem naming the file, and loads the folder\'s other files', async () => {
    const { snapshot, problems } = await loadCluster([join(HOSTILE, 'alias-bomb.yaml'), join(HOSTILE, 'good.yaml')]);
    assert.deepEqual(snapshot.namespaces().map((namespace) => namespace.name), ['good']);
    const messages = fileMessages(problems);
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? '', /^test\/fixtures\/hostile\/alias-bomb\.yaml:\d+:\d+: too many alias expansions/);
  });

  it('makes an alias before its anchor a problem of that document, the file\'s other documents loaded', () => {
    const parsed = parseManifest(readFileSync(join(HOSTILE, 'forward-alias.yaml'), 'utf8'), 'f.yaml');
    assert.deepEqual(parsed.objects.map((entry) => (entry.object as { metadata: { name: string } }).metadata.name), ['before', 'after']);
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0]?.message ?? '', /^f\.yaml:6:1: Unresolved alias .*; the document is not read$/);
  });
});

describe('hostile manifests: the directory walk', function () {
  this.timeout(20_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-hostile-'));
  });

  after(async () => {
    await chmod(join(dir, 'walk', 'secret'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('turns dangling and looping links and a FIFO into File problems and loads the rest', async () => {
    const walk = join(dir, 'links');
    await mkdir(walk);
    await writeFile(join(walk, 'a.yaml'), namespaceDoc('alpha'));
    await writeFile(join(walk, 'z.yaml'), namespaceDoc('zulu'));
    await symlink(join(walk, 'missing.yaml'), join(walk, 'dangling.yaml'));
    await symlink(join(walk, 'loop.yaml'), join(walk, 'loop.yaml'));
    await run('mkfifo', [join(walk, 'pipe.yaml')]);
    const { snapshot, problems } = await loadCluster([walk]);
    assert.deepEqual(snapshot.namespaces().map((namespace) => namespace.name), ['alpha', 'zulu']);
    assert.deepEqual(fileMessages(problems).sort(), [
      `${join(walk, 'dangling.yaml')}: a link to nothing; not read`,
      `${join(walk, 'loop.yaml')}: a link that loops; not read`,
      `${join(walk, 'pipe.yaml')}: not a regular file (a FIFO); not read`,
    ]);
  });

  it('does not open a FIFO named with -f (it would block forever waiting for a writer)', async () => {
    const fifo = join(dir, 'given.fifo');
    await run('mkfifo', [fifo]);
    const entries = await findManifestEntries([fifo]);
    assert.deepEqual(entries.files, []);
    assert.deepEqual(fileMessages(entries.problems), [`${fifo}: not a regular file (a FIFO); not read`]);
    // And the reader, handed one directly, examines it before reading.
    const read = await readManifestFile(fifo);
    assert.ok(read !== undefined && 'problem' in read);
  });

  it('loads a ConfigMap-mounted folder (..data links) once per object, without duplicate warnings', async () => {
    // The kubelet's layout: keys are links into ..data, which links to a timestamped folder.
    const mounted = join(dir, 'configmap');
    const stamp = '..2026_12_02_10_00_00.123456789';
    await mkdir(join(mounted, stamp), { recursive: true });
    await writeFile(join(mounted, stamp, 'ns.yaml'), namespaceDoc('mounted'));
    await symlink(stamp, join(mounted, '..data'));
    await symlink(join('..data', 'ns.yaml'), join(mounted, 'ns.yaml'));
    const { snapshot, problems } = await loadCluster([mounted]);
    assert.deepEqual(snapshot.namespaces().map((namespace) => namespace.name), ['mounted']);
    assert.deepEqual(problems, []);
  });

  it('turns an unreadable subfolder into a File problem for a non-root user, the rest loaded', async function () {
    const walk = join(dir, 'walk');
    await mkdir(join(walk, 'secret'), { recursive: true });
    await writeFile(join(walk, 'a.yaml'), namespaceDoc('alpha'));
    await writeFile(join(walk, 'secret', 'b.yaml'), namespaceDoc('beta'));
    await chmod(join(walk, 'secret'), 0o700);
    await chmod(dir, 0o755);
    const script = join(dir, 'walk-as-nobody.mts');
    const module = resolve('src', 'sources', 'manifest-files.ts');
    await writeFile(script, `import { findManifestEntries } from ${JSON.stringify(module)};\nconsole.log(JSON.stringify(await findManifestEntries([${JSON.stringify(walk)}])));\n`);
    await chmod(script, 0o644);
    // Root reads every folder: the walk runs as nobody to meet a real EACCES.
    let stdout: string;
    try {
      ({ stdout } = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, resolve('node_modules', 'tsx', 'dist', 'cli.mjs'), script], { env: { ...process.env, HOME: dir } }));
    } catch (error) {
      console.log(`      cannot run the walk as nobody (${(error as Error).message.split('\n')[0]}): skipped`);
      this.skip();
    }
    const entries = JSON.parse(stdout) as { files: string[]; problems: { message: string }[] };
    assert.deepEqual(entries.files, [join(walk, 'a.yaml')]);
    assert.deepEqual(entries.problems.map((problem) => problem.message), [
      `${join(walk, 'secret')}: folder cannot be read (EACCES); its files are not loaded`,
    ]);
  });

  it('refuses a file above the size limit with a File problem, without reading it', async () => {
    const big = join(dir, 'big.json');
    await writeFile(big, '');
    await truncate(big, MAX_MANIFEST_BYTES + 1); // sparse: no disk, no time
    const read = await readManifestFile(big);
    assert.ok(read !== undefined && 'problem' in read);
    assert.equal(read.problem.message, `${big}: 256 MiB is above the 256 MiB a manifest file may have; not read (split it into several files)`);
  });
});

describe('hostile manifests: JSON lists read item by item', () => {
  const list = [
    '{"apiVersion": "v1", "kind": "NamespaceList",',
    ' "metadata": {"resourceVersion": "7"},',
    ' "items": [',
    '  {"metadata": {"name": "a"}},',
    '  {"metadata": {"name": "b"},',
    '   "x": "a \\"quoted\\" ] brace }"},',
    '  {"metadata": {"name": "c"}, "bad": tru},',
    '  {"metadata": {"name": "d"}}',
    ' ]}',
  ].join('\n');

  it('gives each item the list\'s kind and its own line, and a bad item a problem with its position', () => {
    const parsed = parseManifest(list, 'l.json');
    assert.deepEqual(
      parsed.objects.map((entry) => [(entry.object as { kind: string; metadata: { name: string } }).metadata.name, (entry.object as { kind: string }).kind, entry.origin]),
      [
        ['a', 'Namespace', 'l.json:4'],
        ['b', 'Namespace', 'l.json:5'],
        ['d', 'Namespace', 'l.json:8'],
      ],
    );
    assert.equal(parsed.problems.length, 1);
    // Line 7 holds the item with `tru` (counted by hand).
    assert.match(parsed.problems[0]?.message ?? '', /^l\.json:7: not valid JSON \(.+\); item 2 of the NamespaceList not read$/);
  });

  it('reads a JSON file that is not valid JSON through the YAML parser, which gives the position', () => {
    const parsed = parseManifest('{"kind": "Namespace",\n "metadata": {"name": "x"\n', 'b.json');
    assert.equal(parsed.objects.length, 0);
    assert.match(parsed.problems[0]?.message ?? '', /^b\.json:\d+:\d+: /);
  });

  it('reads a single JSON object whole', () => {
    const parsed = parseManifest('\n{"kind": "Namespace", "metadata": {"name": "x"}, "items": [1]}', 'o.json');
    assert.deepEqual(parsed.objects, [{ object: { kind: 'Namespace', metadata: { name: 'x' }, items: [1] }, origin: 'o.json:2' }]);
  });
});

describe('hostile manifests: many bad items', () => {
  it('keeps a problem for each of 40,000 bad items of one list (keyed, so each costs one lookup)', async function () {
    // 160 KB of `kind: List` items that are not objects took about 80 s when every problem
    // scanned and copied the ones before it; the store now keys them (test/store/source-problems).
    this.timeout(20_000);
    const text = `{"apiVersion": "v1", "kind": "List", "items": [\n${Array.from({ length: 40_000 }, () => '1').join(',\n')}\n]}`;
    const store = new ClusterStore();
    await new ManifestTextSource('big.json', text).start(store);
    const problems = store.snapshot().problems();
    assert.equal(problems.length, 40_000);
    assert.equal(problems[39_999]?.message, 'big.json:40001: item 39999 of the List is not an object');
  });
});

describe('ManifestTextSource (standard input)', () => {
  it('reads text under a display name that origins and problems carry', async () => {
    const store = new ClusterStore();
    await new ManifestTextSource('<stdin>', `${namespaceDoc('from-stdin')}---\nkind: [\n`).start(store);
    const snapshot = store.snapshot();
    assert.ok(store.isSynced());
    assert.deepEqual(snapshot.namespaces().map((namespace) => namespace.name), ['from-stdin']);
    assert.match(fileMessages(snapshot.problems())[0] ?? '', /^<stdin>:7:1: Flow sequence/);
  });
});
