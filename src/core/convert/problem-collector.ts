import type { Problem, ProblemSeverity } from '../model/index.js';
import type { FieldPath } from './field-path.js';

/** Which object the problems are about, as far as the raw object tells. */
export interface ProblemSubject {
  /** The kind as given, or `"?"` when unreadable. */
  readonly kind: string;
  /** The namespace (defaulted for namespaced kinds), if any. */
  readonly namespace?: string | undefined;
  /** The name, if the raw object has one. */
  readonly name?: string | undefined;
}

/**
 * Gathers the problems found while converting one object. Every problem gets the same
 * subject and origin, so converters only say where and what.
 * @internal
 */
export class ProblemCollector {
  // Not readonly only so that rewordingErrors can point a new collector at this one's list.
  private found: Problem[] = [];
  /** Applied to error messages; none (the message as given) unless made by rewordingErrors. */
  private reword: ((message: string) => string) | undefined;

  /** Problems will name `subject` and carry `origin` (e.g. `file.yaml:12`) when given. */
  constructor(
    private readonly subject: ProblemSubject,
    private readonly origin?: string | undefined,
  ) {}

  /**
   * A collector that records into this one, with `reword` applied to the message of each
   * error it records (warnings keep theirs). Parsers of a part say what is wrong; the caller
   * that decides what the flaw costs (a rule, a policy) adds that consequence this way.
   */
  rewordingErrors(reword: (message: string) => string): ProblemCollector {
    const child = new ProblemCollector(this.subject, this.origin);
    const outer = this.reword;
    child.found = this.found;
    child.reword = outer === undefined ? reword : (message) => outer(reword(message));
    return child;
  }

  /** Records an error: the object, or the part at `field`, is left out of the model. */
  error(field: FieldPath | string, message: string): void {
    this.add('error', field, this.reword === undefined ? message : this.reword(message));
  }

  /** Records a warning: the value was repaired or defaulted and the object kept. */
  warning(field: FieldPath | string, message: string): void {
    this.add('warning', field, message);
  }

  /** Everything recorded so far, in order. */
  get problems(): Problem[] {
    return [...this.found];
  }

  /** True when any error was recorded since `mark` (a value of `errorCount`). */
  errorsSince(mark: number): boolean {
    return this.errorCount > mark;
  }

  /** The number of errors recorded so far (by this collector and those made from it). */
  get errorCount(): number {
    let count = 0;
    for (const problem of this.found) if (problem.severity === 'error') count++;
    return count;
  }

  private add(severity: ProblemSeverity, field: FieldPath | string, message: string): void {
    const problem: Problem = {
      kind: this.subject.kind,
      field: field.toString(),
      message,
      severity,
      ...(this.subject.namespace !== undefined ? { namespace: this.subject.namespace } : {}),
      ...(this.subject.name !== undefined ? { name: this.subject.name } : {}),
      ...(this.origin !== undefined ? { origin: this.origin } : {}),
    };
    this.found.push(problem);
  }
}
