import { escapeControlCharacters, problemDetail, type Problem } from '../../core/model/index.js';
import { count } from './plural.js';

/** Kinds in the order a reader fixes them: files first, then what the others refer to. */
const KIND_ORDER = ['File', 'Node', 'Namespace', 'Pod', 'Service', 'EndpointSlice', 'NetworkPolicy'];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank < 0 ? KIND_ORDER.length : rank;
}

/** `no problems`, or `3 problems: 1 error, 2 warnings`. */
export function problemsSummary(problems: readonly Problem[]): string {
  if (problems.length === 0) return 'no problems';
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  return `${count(problems.length, 'problem')}: ${count(errors, 'error')}, ${count(problems.length - errors, 'warning')}`;
}

/**
 * The problem listing: the summary line, then the problems grouped by object kind (files
 * first, then nodes, namespaces, pods, services, slices, policies, anything else), errors
 * before warnings in each group. Each problem is one escaped line without its kind, which
 * the group's heading gives.
 */
export function problemLines(problems: readonly Problem[]): string[] {
  const lines = [problemsSummary(problems)];
  const groups = new Map<string, Problem[]>();
  for (const problem of problems) {
    const group = groups.get(problem.kind);
    if (group) group.push(problem);
    else groups.set(problem.kind, [problem]);
  }
  const kinds = [...groups.keys()].sort((a, b) => kindRank(a) - kindRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const kind of kinds) {
    const group = groups.get(kind) ?? [];
    // Stable: within a severity the store's order (by object) stays.
    const sorted = [...group.filter((p) => p.severity === 'error'), ...group.filter((p) => p.severity !== 'error')];
    lines.push(`  ${escapeControlCharacters(kind)}:`);
    for (const problem of sorted) lines.push(`    ${escapeControlCharacters(`${problem.severity} ${problemDetail(problem)}`)}`);
  }
  return lines;
}
