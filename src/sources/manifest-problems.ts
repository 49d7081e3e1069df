import type { Problem } from '../core/model/index.js';

/** A problem with a file as a whole: kind `File`, named by its path. */
export function fileProblem(path: string, message: string): Problem {
  return { kind: 'File', name: path, field: '', message, severity: 'error' };
}
