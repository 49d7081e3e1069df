import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import { ConfigError } from '../../src/core/errors.js';
import type { Problem } from '../../src/core/model/index.js';
import type { RawObject, SourceSink } from '../../src/core/source/source.js';
import { findManifestFiles } from '../../src/sources/manifest-files.js';
import { parseManifest } from '../../src/sources/manifest-parser.js';
import { ManifestSource } from '../../src/sources/manifest-source.js';

const FIXTURES = join('test', 'fixtures', 'manifests');

interface Recorded {
  objects: { object: RawObject; origin: string | undefined }[];
  problems: Problem[];
  events: string[];
}

function recordingSink(): SourceSink & Recorded {
  const recorded: Recorded = { objects: [], problems: [], events: [] };
  return {
    ...recorded,
    upsert(object, origin) {
      recorded.objects.push({ object, origin });
      recorded.events.push('upsert');
    },
    remove() {
      recorded.events.push('remove');
    },
    problem(problem) {
      recorded.problems.push(problem);
      recorded.events.push('problem');
    },
    synced() {
      recorded.events.push('synced');
    },
  };
}

function summary(object: RawObject): string {
  const { kind, metadata } = object as { kind: string; metadata: { name: string } };
  return `${kind} ${metadata.name}`;
}

describe('parseManifest', () => {
  it('reads every document of a multi-document file with its first line as origin, skipping empty ones', () => {
    const text = 'kind: Namespace\nmetadata:\n  name: a\n---\n---\n# comment\nkind: Namespace\nmetadata:\n  name: b\n';
    const parsed = parseManifest(text, 'x.yaml');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.objects.map((entry) => [summary(entry.object), entry.origin]),
      [
        ['Namespace a', 'x.yaml:1'],
        ['Namespace b', 'x.yaml:7'],
      ],
    );
  });

  it('flattens kind: List, each item with its own line', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  metadata: {name: a}\n- kind: Namespace\n  metadata: {name: b}\n';
    const parsed = parseManifest(text, 'l.yaml');
    assert.deepEqual(
      parsed.objects.map((entry) => [summary(entry.object), entry.origin]),
      [
        ['Namespace a', 'l.yaml:4'],
        ['Namespace b', 'l.yaml:6'],
      ],
    );
  });

  it('gives the items of a typed list the kind and apiVersion of the list', () => {
    const parsed = parseManifest('apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p}\n', 'p.yaml');
    assert.deepEqual(parsed.objects[0]?.object, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' } });
  });

  it('reports a bad document with file, line and column, and keeps the others of the file', () => {
    const text = 'kind: Namespace\nmetadata:\n  name: a\n---\nkind: [\n---\nkind: Namespace\nmetadata:\n  name: c\n';
    const parsed = parseManifest(text, 'bad.yaml');
    assert.deepEqual(
      parsed.objects.map((entry) => summary(entry.object)),
      ['Namespace a', 'Namespace c'],
    );
    assert.equal(parsed.problems.length, 1);
    const problem = parsed.problems[0] as Problem;
    assert.equal(problem.kind, 'File');
    assert.equal(problem.name, 'bad.yaml');
    assert.equal(problem.field, '');
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /^bad\.yaml:6:1: /);
  });

  it('reports a document that is not an object, and a list item that is not one', () => {
    const parsed = parseManifest('- 1\n- 2\n---\nkind: List\nitems:\n- 3\n', 's.yaml');
    assert.deepEqual(
      parsed.problems.map((problem) => problem.message),
      ['s.yaml:1: the document is not an object', 's.yaml:6: item 0 of the List is not an object'],
    );
  });
});

describe('findManifestFiles', () => {
  it('walks directories recursively in lexical order of names, keeping manifest extensions', async () => {
    const files = await findManifestFiles([join(FIXTURES, 'tree')]);
    assert.deepEqual(files, [
      join(FIXTURES, 'tree', 'a', 'z.yaml'),
      join(FIXTURES, 'tree', 'a-b.yaml'),
      join(FIXTURES, 'tree', 'b.yml'),
      join(FIXTURES, 'tree', 'c', 'd.json.yaml'),
      join(FIXTURES, 'tree', 'c', 'e.json'),
    ]);
  });

  it('keeps the order of the paths given, and takes a named file whatever its extension', async () => {
    const notes = join(FIXTURES, 'tree', 'c', 'notes.txt');
    const files = await findManifestFiles([notes, join(FIXTURES, 'tree', 'b.yml')]);
    assert.deepEqual(files, [notes, join(FIXTURES, 'tree', 'b.yml')]);
  });

  it('throws a ConfigError naming a missing path', async () => {
    await assert.rejects(findManifestFiles([join(FIXTURES, 'no-such-dir')]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /no-such-dir does not exist/);
      return true;
    });
  });
});

describe('ManifestSource', () => {
  it('delivers multi-document YAML, Lists, PodLists and JSON, then synced', async () => {
    const sink = recordingSink();
    await new ManifestSource([join(FIXTURES, 'multi')]).start(sink);
    const file = (name: string) => join(FIXTURES, 'multi', name);
    assert.deepEqual(
      sink.objects.map((entry) => [summary(entry.object), entry.origin]),
      [
        ['Service web', `${file('list.yaml')}:4`],
        ['EndpointSlice web-abc', `${file('list.yaml')}:17`],
        ['Namespace shop', `${file('multi-doc.yaml')}:2`],
        ['Pod web-1', `${file('multi-doc.yaml')}:8`],
        ['Pod web-2', `${file('multi-doc.yaml')}:25`],
        ['Node node-a', `${file('node.json')}:1`],
        ['Pod db-1', `${file('podlist.yaml')}:7`],
        ['Pod db-2', `${file('podlist.yaml')}:20`],
      ],
    );
    assert.deepEqual(sink.problems, []);
    assert.equal(sink.events.at(-1), 'synced');
  });

  it('reports bad files with file and line and still loads the rest', async () => {
    const sink = recordingSink();
    await new ManifestSource([join(FIXTURES, 'bad')]).start(sink);
    const file = (name: string) => join(FIXTURES, 'bad', name);
    assert.deepEqual(
      sink.objects.map((entry) => summary(entry.object)),
      ['Namespace before-the-error', 'Namespace after-the-error', 'Namespace good'],
    );
    assert.deepEqual(
      sink.problems.map((problem) => [problem.kind, problem.name, problem.message.split(': ')[0]]),
      [
        ['File', file('1-bad.yaml'), `${file('1-bad.yaml')}:9:9`],
        ['File', file('3-bad.json'), `${file('3-bad.json')}:4:33`],
        ['File', file('4-scalar.yaml'), `${file('4-scalar.yaml')}:1`],
      ],
    );
  });

  it('rejects a missing path with a ConfigError before delivering anything', async () => {
    const sink = recordingSink();
    const source = new ManifestSource([join(FIXTURES, 'multi'), join(FIXTURES, 'missing.yaml')]);
    await assert.rejects(source.start(sink), ConfigError);
    assert.deepEqual(sink.events, []);
  });
});
