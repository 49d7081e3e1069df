/**
 * Splits the text of a JSON list (`{"kind": "PodList", "items": [...]}`, as `kubectl get -o
 * json` writes it) into its envelope and the text range of each item, in one pass over the
 * characters, so each item can be parsed on its own with the native `JSON.parse` and dropped
 * once converted: a 200 MB list never becomes one 2 GB tree.
 *
 * The scan only follows strings and brackets; every item and the envelope are still parsed
 * by `JSON.parse`, which refuses anything that is not JSON.
 *
 * @module
 */

/** Where one item of the list is in the text. */
export interface JsonItemRange {
  readonly start: number;
  readonly end: number;
  /** Line (1-based) of the item's first character. */
  readonly line: number;
}

/** A top-level JSON object whose `items` is an array, split. */
export interface ScannedJsonList {
  /** The object without `items`, as JSON text. */
  readonly envelope: string;
  /** Line of the opening brace. */
  readonly line: number;
  readonly items: readonly JsonItemRange[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** The index of the next `search` in `text` from `from`, or the text's length when there is none. */
function nextIndexOf(text: string, search: string, from: number): number {
  const found = text.indexOf(search, from);
  return found < 0 ? text.length : found;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Splits `text` when it is one JSON object with an `items` array; undefined otherwise (not
 * an object, no `items` array, unbalanced brackets, text after the object), and the caller
 * parses the text as a whole, which reports the error.
 */
export function scanJsonList(text: string): ScannedJsonList | undefined {
  const length = text.length;
  let index = 0;
  let line = 1;
  while (index < length && isSpace(text.charCodeAt(index))) {
    if (text.charCodeAt(index) === NEWLINE) line++;
    index++;
  }
  if (text.charCodeAt(index) !== OPEN_BRACE) return undefined;
  const startLine = line;
  const envelope: string[] = [];
  const items: JsonItemRange[] = [];
  let depth = 0;
  // Depth-1 state: the key just read, where its value starts, and whether we wait for a key.
  let key: string | undefined;
  let valueStart = -1;
  let expectKey = false;
  let inItems = false;
  let sawItems = false;
  // Depth-2 state inside `items`: where the current item started.
  let itemStart = -1;
  let itemLine = 0;
  let nextBackslash = -1;
  let nextNewline = -1;
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    // One comparison for most characters: JSON's whitespace is all at or below a space.
    if (code <= 32) {
      if (code === NEWLINE) {
        line++;
        continue;
      }
      if (isSpace(code)) continue;
    }
    if (depth === 2 && inItems && itemStart < 0 && code !== COMMA && code !== CLOSE_BRACKET) {
      itemStart = index;
      itemLine = line;
    }
    if (code === QUOTE) {
      const start = index;
      // Most strings hold neither an escape nor a newline: the closing quote is found
      // natively, and only a string with a backslash or a newline is walked character by
      // character. The next backslash and newline are remembered until the scan passes them.
      const close = text.indexOf('"', index + 1);
      if (nextBackslash <= index) nextBackslash = nextIndexOf(text, '\\', index + 1);
      if (nextNewline <= index) nextNewline = nextIndexOf(text, '\n', index + 1);
      if (close >= 0 && close < nextBackslash && close < nextNewline) {
        index = close;
      } else {
        index++;
        while (index < length) {
          const inner = text.charCodeAt(index);
          if (inner === BACKSLASH) index += 2;
          else if (inner === QUOTE) break;
          else {
            if (inner === NEWLINE) line++;
            index++;
          }
        }
        if (index >= length) return undefined;
      }
      if (depth === 1 && expectKey) {
        try {
          key = JSON.parse(text.slice(start, index + 1)) as string;
        } catch {
          return undefined;
        }
        expectKey = false;
      }
      continue;
    }
    switch (code) {
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (depth === 0) expectKey = true;
        else if (depth === 1 && key === 'items' && code === OPEN_BRACKET && valueStart >= 0 && text.slice(valueStart, index).trim() === '') {
          inItems = true;
          sawItems = true;
        }
        depth++;
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        if (depth === 2 && inItems) {
          if (code !== CLOSE_BRACKET) return undefined;
          if (itemStart >= 0) items.push({ start: itemStart, end: index, line: itemLine });
          itemStart = -1;
          inItems = false;
        }
        depth--;
        if (depth < 0) return undefined;
        if (depth === 0) {
          if (code !== CLOSE_BRACE) return undefined;
          if (!keepEnvelopeValue(text, key, valueStart, index, inItems, sawItems, envelope)) return undefined;
          if (text.slice(index + 1).trim() !== '' || !sawItems) return undefined;
          return { envelope: `{${envelope.join(',')}}`, line: startLine, items };
        }
        break;
      case COLON:
        if (depth === 1) valueStart = index + 1;
        break;
      case COMMA:
        if (depth === 1) {
          if (!keepEnvelopeValue(text, key, valueStart, index, inItems, sawItems, envelope)) return undefined;
          key = undefined;
          valueStart = -1;
          expectKey = true;
        } else if (depth === 2 && inItems) {
          if (itemStart < 0) return undefined;
          items.push({ start: itemStart, end: index, line: itemLine });
          itemStart = -1;
        }
        break;
    }
  }
  return undefined;
}

/**
 * Ends the depth-1 value of `key` that starts at `valueStart` and ends before `end`: keeps it
 * in the envelope unless it is `items`; false when the object is not as expected. A function
 * of its own rather than a closure over the scan's state: a closure would keep the scan's
 * variables (its position among them) in a context object instead of registers, and the loop
 * over every character is the hot path.
 */
function keepEnvelopeValue(
  text: string,
  key: string | undefined,
  valueStart: number,
  end: number,
  inItems: boolean,
  sawItems: boolean,
  envelope: string[],
): boolean {
  if (key === undefined || valueStart < 0) return key === undefined && valueStart < 0;
  if (key !== 'items') envelope.push(`${JSON.stringify(key)}:${text.slice(valueStart, end)}`);
  else if (!inItems && !sawItems) return false;
  return true;
}
