import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Problem } from '../core/model/index.js';
import type { RawObject } from '../core/source/source.js';

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

/**
 * Reads the objects of one manifest file: YAML with any number of documents, or JSON (read by
 * the same parser, since JSON is YAML, which also gives JSON errors a line and column).
 *
 * - Empty documents are skipped.
 * - `kind: List` and the typed lists `kubectl get -o yaml` or the API return (`PodList`, ...)
 *   are flattened into their `items`. Items of a typed list often lack `kind` and `apiVersion`
 *   (the API leaves them out); they get the list's, so a `PodList` item is a `Pod`.
 * - A document with a syntax error becomes one problem, `path:line:column: message`, and the
 *   file's other documents are still read.
 * - Each object's origin is `path:line` of its first line (of the item, for list items).
 *
 * @param text the file's content
 * @param path the file's path as it should be printed
 */
export function parseManifest(text: string, path: string): ParsedManifest {
  const lineCounter = new LineCounter();
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  for (const document of parseAllDocuments(text, { lineCounter })) {
    const error = document.errors[0];
    if (error !== undefined) {
      const position = error.linePos?.[0];
      const where = position ? `${path}:${position.line}:${position.col}` : path;
      problems.push(fileProblem(path, `${where}: ${firstLine(error.message)}`));
      continue;
    }
    const value: unknown = document.toJS();
    // A document with only comments, or an empty one between two `---`, holds null.
    if (document.contents === null || value === null || value === undefined) continue;
    const line = lineOf(document.contents.range[0]);
    if (!isRecord(value)) {
      problems.push(fileProblem(path, `${path}:${line}: the document is not an object`));
      continue;
    }
    if (isList(value)) objects.push(...listItems(document, value, path, lineOf, problems));
    else objects.push({ object: value, origin: `${path}:${line}` });
  }
  return { objects, problems };
}

/** A `kind: List` or `XxxList` object with an `items` array. */
function isList(value: Record<string, unknown>): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items']);
}

function listItems(
  document: Document,
  list: Record<string, unknown>,
  path: string,
  lineOf: (offset: number) => number,
  problems: Problem[],
): ManifestObject[] {
  const kind = list['kind'] as string;
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  const apiVersion = list['apiVersion'];
  const itemNodes = isMap(document.contents) ? document.contents.get('items', true) : undefined;
  const nodes = isSeq(itemNodes) ? itemNodes.items : [];
  const objects: ManifestObject[] = [];
  (list['items'] as unknown[]).forEach((item, index) => {
    const range = (nodes[index] as { range?: [number, number, number] } | undefined)?.range;
    const line = range ? lineOf(range[0]) : lineOf(document.contents?.range?.[0] ?? 0);
    if (!isRecord(item)) {
      problems.push(fileProblem(path, `${path}:${line}: item ${index} of the ${kind} is not an object`));
      return;
    }
    const object =
      itemKind !== undefined && item['kind'] === undefined
        ? { kind: itemKind, ...(typeof apiVersion === 'string' ? { apiVersion } : {}), ...item }
        : item;
    objects.push({ object, origin: `${path}:${line}` });
  });
  return objects;
}

/** A problem with a file as a whole: kind `File`, named by its path. */
export function fileProblem(path: string, message: string): Problem {
  return { kind: 'File', name: path, field: '', message, severity: 'error' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The yaml library appends a code excerpt after the first line; the position says enough. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
