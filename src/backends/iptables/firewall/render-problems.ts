/**
 * What rendering found wrong in a plan and left out (fail closed): a counter, and the reasons
 * when the caller keeps them. A reason names only our own (hashed) kernel names, never the
 * user's text.
 *
 * @module
 */

/** Skipped input of one render: how many, and why (when `messages` is given). */
export interface RenderProblems {
  /** Inputs left out: bad addresses, ports, protocols, references to absent sets or policies. */
  count: number;
  /** The reason of each, in order, when the caller wants them. */
  readonly messages?: string[];
}

/** Counts one skipped input in `problems` (if any) and keeps its reason. */
export function skipInput(problems: RenderProblems | undefined, message: string): void {
  if (problems === undefined) return;
  problems.count += 1;
  problems.messages?.push(message);
}
