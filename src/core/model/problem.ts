/** Kinds of object the model knows. */
export type ObjectKind = 'Node' | 'Namespace' | 'Pod' | 'Service' | 'EndpointSlice' | 'NetworkPolicy';

/** How bad a problem is: an `error` dropped the object or part of it; a `warning` did not. */
export type ProblemSeverity = 'error' | 'warning';

/**
 * Something wrong with an input object. Problems are logged, counted and kept in the store;
 * they never stop the loop and the bad object (or the bad part of it) never reaches a backend.
 */
export interface Problem {
  /** The object's kind as given (may be a kind the model does not know). */
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  /** JSON-path-like location of the bad field, e.g. `spec.ports[1].port`. Empty for the object. */
  readonly field: string;
  readonly message: string;
  readonly severity: ProblemSeverity;
  /** Where the object came from, e.g. `file.yaml:12`, when the source knows. */
  readonly origin?: string | undefined;
}

// C0 controls, DEL and C1 controls (U+009B is a one-byte CSI on some terminals), the Unicode
// line and paragraph separators, and the bidirectional controls that reorder what a reader sees.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character, line separator and bidirectional control written as an
 * escape (`\n`, `\u0000`, `\u001b`, ...), so text taken from an object cannot start a new line
 * of output, move the cursor or recolour a terminal. Printable text is left as it is.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (character) => SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The parts of a problem's line after its severity and kind: the object, the field, the
 * message and the origin, each said once. A message that already starts with the object's name
 * (a File problem's parser message starts with the path) does not get the name again, and an
 * origin the message already names (a duplicate names both files) is not repeated.
 * Not escaped: {@link formatProblem} escapes the whole line.
 */
export function problemDetail(problem: Problem): string {
  const id = problem.namespace ? `${problem.namespace}/${problem.name ?? '?'}` : (problem.name ?? '?');
  const named = problem.name !== undefined && !problem.namespace && problem.message.startsWith(`${problem.name}:`);
  const field = problem.field ? ` ${problem.field}` : '';
  const head = named && field === '' ? '' : `${id}${field}: `;
  const origin = problem.origin && !problem.message.includes(problem.origin) ? ` (${problem.origin})` : '';
  return `${head}${problem.message}${origin}`;
}

/**
 * One line for logs and the CLI: `error Service default/web spec.ports[0].port: ...`.
 * Every part is passed through {@link escapeControlCharacters}: kind, names, field, message and
 * origin can all hold text from the input, and one problem must print as exactly one line.
 */
export function formatProblem(problem: Problem): string {
  return escapeControlCharacters(`${problem.severity} ${problem.kind} ${problemDetail(problem)}`);
}
