import assert from 'node:assert/strict';
import { it } from 'mocha';
import { convertObject } from '../../src/core/convert/index.js';
import type { ModelObject, ProblemSeverity } from '../../src/core/model/index.js';
import type { Raw } from './fixtures.js';

/** One malformed object and the problem it must raise; see `runMalformedCases`. */
export interface MalformedCase {
  readonly title: string;
  readonly raw: unknown;
  readonly kind: string;
  readonly field: string;
  readonly severity: ProblemSeverity;
  /** A part of the message; every case's expected text was checked against Kubernetes' rules by hand. */
  readonly message: string;
  readonly survives: boolean;
  /** Extra checks on the surviving object: the bad part is gone, the rest is kept. */
  readonly then?: (object: Raw) => void;
}

const ORIGIN = 'table.yaml:1';

/**
 * One test per case: `convertObject` must report a problem of the case's kind, field,
 * severity and message (with the origin), keep or drop the object as the case says, and pass
 * the case's checks on what survived.
 */
export function runMalformedCases(cases: readonly MalformedCase[]): void {
  for (const testCase of cases) {
    it(`${testCase.title} → ${testCase.severity} at "${testCase.field}", ${testCase.survives ? 'kept' : 'dropped'}`, () => {
      const result = convertObject(testCase.raw, ORIGIN);
      const match = result.problems.find(
        (problem) =>
          problem.kind === testCase.kind &&
          problem.field === testCase.field &&
          problem.severity === testCase.severity &&
          problem.message.includes(testCase.message),
      );
      assert.ok(match, `no matching problem among ${JSON.stringify(result.problems, null, 1)}`);
      assert.equal(match.origin, ORIGIN);
      assert.equal(result.ignored, undefined);
      assert.equal(result.object !== undefined, testCase.survives);
      if (!testCase.survives) assert.ok(result.problems.some((problem) => problem.severity === 'error'));
      if (testCase.then) {
        assert.ok(result.object, 'the case has checks on a surviving object');
        testCase.then(result.object as ModelObject as unknown as Raw);
      }
    });
  }
}
