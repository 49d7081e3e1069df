import { Composer, isMap, isSeq, LineCounter, Parser, type Document } from 'yaml';
import type { Problem } from '../core/model/index.js';
import type { RawObject } from '../core/source/source.js';
import { scanJsonList } from './json-list-scanner.js';
import { fileProblem } from './manifest-problems.js';

export { fileProblem } from './manifest-problems.js';

/** One Kubernetes object read from a manifest, with where it starts (`path:line`). */
export interface ManifestObject {
  readonly object: RawObject;
  readonly origin: string;
}

/** What one manifest file held: its objects in file order, and what could not be read. */
export interface ParsedManifest {
  readonly objects: readonly ManifestObject[];
  readonly problems: readonly Problem[];
}

/** Where {@link readManifestText} hands each object and problem, as soon as it is read. */
export interface ManifestVisitor {
  /** Called once per object, in file order, as soon as it is read. */
  object(object: ManifestObject): void;
  /** Called for a document or item that could not be read; the others still arrive. */
  problem(problem: Problem): void;
}

/**
 * How many alias expansions one YAML document may make (the yaml library's count: uses of an
 * anchor times the aliases inside it). Far above what a manifest that reuses a block of
 * labels in every item needs, far below an "alias bomb", whose expansions grow tenfold per
 * level; such a document is a problem of its file.
 */
export const MAX_YAML_ALIAS_EXPANSIONS = 10_000;

/**
 * Reads the objects of one manifest file: YAML with any number of documents, or JSON.
 *
 * - Empty documents are skipped.
 * - `kind: List` and the typed lists `kubectl get -o yaml` or the API return (`PodList`, ...)
 *   are flattened into their `items`. Items of a typed list often lack `kind` and `apiVersion`
 *   (the API leaves them out); they get the list's, so a `PodList` item is a `Pod`.
 * - A document with a syntax error, a bad alias or too many alias expansions becomes one
 *   problem, `path:line:column: message`, and the file's other documents are still read.
 * - Each object's origin is `path:line` of its first line (of the item, for list items).
 *
 * @param text the file's content
 * @param path the file's path as it should be printed
 */
export function parseManifest(text: string, path: string): ParsedManifest {
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  readManifestText(text, path, { object: (object) => objects.push(object), problem: (problem) => problems.push(problem) });
  return { objects, problems };
}

/**
 * {@link parseManifest} without collecting: each object goes to `visitor` as soon as it is
 * read, and nothing of it is kept afterwards. A JSON list is split item by item and each item
 * parsed on its own; YAML is composed one document at a time.
 */
export function readManifestText(text: string, path: string, visitor: ManifestVisitor): void {
  const first = firstNonSpace(text);
  if (first === '{' && readJson(text, path, visitor)) return;
  readYaml(text, path, visitor);
}

/** Reads JSON text; false when it is not valid JSON, and the YAML reader should say why. */
function readJson(text: string, path: string, visitor: ManifestVisitor): boolean {
  const scanned = scanJsonList(text);
  if (scanned === undefined) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    if (isRecord(value)) visitor.object({ object: value, origin: `${path}:${lineAt(text, text.indexOf('{'))}` });
    else visitor.problem(fileProblem(path, `${path}:1: the document is not an object`));
    return true;
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(scanned.envelope);
  } catch {
    return false;
  }
  if (!isRecord(envelope) || !isListKind(envelope['kind'])) {
    // An object that merely has an `items` array: one object, read whole.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    visitor.object({ object: value, origin: `${path}:${scanned.line}` });
    return true;
  }
  const list = new ListItems(envelope, path, visitor);
  scanned.items.forEach((range, index) => {
    const slice = text.slice(range.start, range.end);
    let item: unknown;
    try {
      item = JSON.parse(slice);
    } catch (error) {
      const why = firstLine((error as Error).message);
      visitor.problem(fileProblem(path, `${path}:${range.line}: not valid JSON (${why}); item ${index} of the ${list.kind} not read`));
      return;
    }
    list.add(item, index, range.line);
  });
  return true;
}

/** Adds the list's kind and apiVersion to items that lack them, and hands them on. */
class ListItems {
  readonly kind: string;
  private readonly itemKind: string | undefined;
  private readonly apiVersion: unknown;

  constructor(
    list: Record<string, unknown>,
    private readonly path: string,
    private readonly visitor: ManifestVisitor,
  ) {
    this.kind = list['kind'] as string;
    this.itemKind = this.kind === 'List' ? undefined : this.kind.slice(0, -'List'.length);
    this.apiVersion = list['apiVersion'];
  }

  add(item: unknown, index: number, line: number): void {
    if (!isRecord(item)) {
      this.visitor.problem(fileProblem(this.path, `${this.path}:${line}: item ${index} of the ${this.kind} is not an object`));
      return;
    }
    const object =
      this.itemKind !== undefined && item['kind'] === undefined
        ? { kind: this.itemKind, ...(typeof this.apiVersion === 'string' ? { apiVersion: this.apiVersion } : {}), ...item }
        : item;
    this.visitor.object({ object, origin: `${this.path}:${line}` });
  }
}

function readYaml(text: string, path: string, visitor: ManifestVisitor): void {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const composer = new Composer();
  const tokens = new Parser(lineCounter.addNewLine).parse(text);
  // One document at a time: each is converted and dropped before the next is composed.
  for (const document of composer.compose(tokens, true, text.length)) {
    readYamlDocument(document, path, lineCounter, lineOf, visitor);
  }
}

function readYamlDocument(
  document: Document.Parsed,
  path: string,
  lineCounter: LineCounter,
  lineOf: (offset: number) => number,
  visitor: ManifestVisitor,
): void {
  const error = document.errors[0];
  if (error !== undefined) {
    const position = lineCounter.linePos(error.pos[0]);
    visitor.problem(fileProblem(path, `${path}:${position.line}:${position.col}: ${firstLine(error.message)}`));
    return;
  }
  const start = document.contents?.range[0] ?? 0;
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS });
  } catch (thrown) {
    // An alias before its anchor, or an alias bomb: the yaml library throws a ReferenceError.
    const position = lineCounter.linePos(start);
    const why = (thrown as Error).message.startsWith('Excessive alias count')
      ? `too many alias expansions (more than ${MAX_YAML_ALIAS_EXPANSIONS}); the document is not read`
      : `${firstLine((thrown as Error).message)}; the document is not read`;
    visitor.problem(fileProblem(path, `${path}:${position.line}:${position.col}: ${why}`));
    return;
  }
  // A document with only comments, or an empty one between two `---`, holds null.
  if (document.contents === null || value === null || value === undefined) return;
  const line = lineOf(start);
  if (!isRecord(value)) {
    visitor.problem(fileProblem(path, `${path}:${line}: the document is not an object`));
    return;
  }
  if (!isListKind(value['kind']) || !Array.isArray(value['items'])) {
    visitor.object({ object: value, origin: `${path}:${line}` });
    return;
  }
  const itemNodes = isMap(document.contents) ? document.contents.get('items', true) : undefined;
  const nodes = isSeq(itemNodes) ? itemNodes.items : [];
  const list = new ListItems(value, path, visitor);
  (value['items'] as unknown[]).forEach((item, index) => {
    const range = (nodes[index] as { range?: [number, number, number] } | undefined)?.range;
    list.add(item, index, range ? lineOf(range[0]) : line);
  });
}

/** `List` or `XxxList`: the kinds whose `items` are objects of their own. */
function isListKind(kind: unknown): kind is string {
  return typeof kind === 'string' && kind.endsWith('List');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstNonSpace(text: string): string | undefined {
  const match = /\S/.exec(text.length > 4096 ? text.slice(0, 4096) : text);
  return match?.[0];
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}

/** The yaml library appends a code excerpt after the first line; the position says enough. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
