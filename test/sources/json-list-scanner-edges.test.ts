import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { scanJsonList } from '../../src/sources/json-list-scanner.js';
import { parseManifest } from '../../src/sources/manifest-parser.js';

/** Each item the scanner found: its text and its line. */
function items(text: string): [string, number][] | undefined {
  return scanJsonList(text)?.items.map((range) => [text.slice(range.start, range.end), range.line]);
}

// Every expected value below was worked out by hand from the input text. An item ends where
// the comma or the closing bracket after it is, so the last item keeps the spaces before `]`.
describe('scanJsonList: edge cases of the text', () => {
  it('counts lines by LF only, with CRLF line ends and tabs around the items', () => {
    const text = '{\r\n\t"kind": "List",\r\n\t"items": [\r\n\t\t{"a": 1},\r\n\t\t{"b": 2}\r\n\t]\r\n}\r\n';
    assert.deepEqual(items(text), [
      ['{"a": 1}', 4],
      ['{"b": 2}\r\n\t', 5],
    ]);
  });

  it('keeps non-ASCII text (astral characters, CJK, a raw U+2028) inside strings, and the lines after it', () => {
    const text = '{"kind": "List", "items": [\n{"a": "😀 ]}, 名前"}, {"b": "x\u2028y"},\n{"c": "\\ud83d\\ude00"}\n]}';
    assert.deepEqual(items(text), [
      ['{"a": "😀 ]}, 名前"}', 2],
      ['{"b": "x\u2028y"}', 2],
      ['{"c": "\\ud83d\\ude00"}\n', 3],
    ]);
    for (const [item] of items(text)!) JSON.parse(item);
  });

  it('follows nested lists and objects, with brackets and quotes inside strings, to the end of each item', () => {
    const text = '{"kind": "List", "items": [{"a": [[{"b": "]"}], {"c": "[{\\"}"}]}, [1, [2]], "s]", 3]}';
    assert.deepEqual(items(text), [
      ['{"a": [[{"b": "]"}], {"c": "[{\\"}"}]}', 1],
      ['[1, [2]]', 1],
      ['"s]"', 1],
      ['3', 1],
    ]);
  });

  it('finds no item in an empty list, with or without spaces in it', () => {
    assert.deepEqual(items('{"kind": "List", "items": []}'), []);
    assert.deepEqual(items('{"kind": "List", "items": [ \n ]}'), []);
  });

  it('keeps a control character before an item in the item (it is not JSON whitespace), so the item is refused', () => {
    for (const control of ['\u0001', '\u000b', '\u000c', '\u0000']) {
      const text = `{"kind": "NamespaceList", "items": [\n{"metadata": {"name": "a"}},\n${control}{"metadata": {"name": "b"}}\n]}`;
      assert.deepEqual(items(text), [
        ['{"metadata": {"name": "a"}}', 2],
        [`${control}{"metadata": {"name": "b"}}\n`, 3],
      ]);
      const parsed = parseManifest(text, 'c.json');
      assert.deepEqual(parsed.objects.map((entry) => entry.origin), ['c.json:2']);
      assert.equal(parsed.problems.length, 1);
      assert.match(parsed.problems[0]?.message ?? '', /^c\.json:3: not valid JSON \(.+\); item 1 of the NamespaceList not read$/);
    }
  });

  it('gives each item the line of its first character, after strings with escaped newlines and multi-line items', () => {
    const text = '{"kind": "List",\n "items": [{"a": "1\\n2\\n3"},\n  {\n   "b": "\\\\"\n  }, {"c": 3}\n ]\n}';
    assert.deepEqual(items(text), [
      ['{"a": "1\\n2\\n3"}', 2],
      ['{\n   "b": "\\\\"\n  }', 3],
      ['{"c": 3}\n ', 5],
    ]);
  });
});
