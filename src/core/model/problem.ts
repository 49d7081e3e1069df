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

/** One line for logs and the CLI: `error Service default/web spec.ports[0].port: ...`. */
export function formatProblem(problem: Problem): string {
  const id = problem.namespace ? `${problem.namespace}/${problem.name ?? '?'}` : (problem.name ?? '?');
  const field = problem.field ? ` ${problem.field}` : '';
  const origin = problem.origin ? ` (${problem.origin})` : '';
  return `${problem.severity} ${problem.kind} ${id}${field}: ${problem.message}${origin}`;
}
