import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { scanJsonList } from '../../src/sources/json-list-scanner.js';

/** The text of each item the scanner found. */
function itemTexts(text: string): string[] | undefined {
  return scanJsonList(text)?.items.map((range) => text.slice(range.start, range.end));
}

// Every expected value below was worked out by hand from the input text.
describe('scanJsonList', () => {
  it('splits items whose strings hold escaped quotes, backslashes, brackets and commas', () => {
    const text = '{"kind": "PodList", "items": [{"a": "x\\"],{"}, {"b": "\\\\"}, {"c": "\\\\\\"}"}]}';
    assert.deepEqual(itemTexts(text), ['{"a": "x\\"],{"}', '{"b": "\\\\"}', '{"c": "\\\\\\"}"}']);
    for (const item of itemTexts(text)!) JSON.parse(item);
  });

  it('counts lines across strings, including a raw newline inside one (invalid JSON, but the lines after it stay right)', () => {
    const text = '{\n"kind": "List",\n"items": [\n{"a": "one\ntwo"},\n{"b": "\\n"}\n]\n}';
    const scanned = scanJsonList(text);
    assert.deepEqual(scanned?.items.map((range) => range.line), [4, 6]);
    assert.equal(scanned?.line, 1);
  });

  it('keeps the envelope without the items, and refuses an unterminated string', () => {
    // Each key re-quoted, then its value's text as written (with the space after the colon).
    assert.equal(scanJsonList('{"kind": "List", "items": [{}], "metadata": {"x": "]"}}')?.envelope, '{"kind": "List","metadata": {"x": "]"}}');
    assert.equal(scanJsonList('{"kind": "List", "items": [{"a": "open}]}'), undefined);
    assert.equal(scanJsonList('{"kind": "List", "items": [{"a": "esc\\"}]}'), undefined);
  });
});
