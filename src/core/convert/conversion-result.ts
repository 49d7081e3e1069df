import type { ModelObject, ObjectKind, Problem } from '../model/index.js';
import { DEFAULT_NAMESPACE, KNOWN_KINDS } from './known-kinds.js';
import { ProblemCollector } from './problem-collector.js';
import { field, setEntry } from './raw-values.js';

/**
 * What converting one raw object gave.
 *
 * - `object` set: the object is in the model (possibly with parts dropped; see `problems`).
 * - `object` unset and `ignored` unset: the object was dropped; `problems` holds at least one
 *   error saying why.
 * - `ignored: true`: a kind the model does not hold (Deployment, ConfigMap, Endpoints, ...),
 *   or a kind of the same name in an API group Kubernetes does not own (a Knative Service);
 *   no problems. A model kind in a Kubernetes group at an unsupported version is dropped
 *   with an error instead, never ignored (see `convertObject`).
 */
export interface ConversionResult {
  /** The converted object: deeply frozen, with no keys holding undefined. */
  readonly object?: ModelObject | undefined;
  /** Everything found wrong, in the order found; `origin` set when one was given. */
  readonly problems: Problem[];
  /** True for an object that is not of the model's resources; never set together with `object`. */
  readonly ignored?: boolean | undefined;
}

/**
 * A collector for one object of a known kind, its subject read leniently from the raw object
 * so problems found before (or instead of) metadata validation still name the object.
 */
export function collectorFor(kind: ObjectKind, raw: unknown, origin: string | undefined): ProblemCollector {
  const metadata = field(raw, 'metadata');
  const name = field(metadata, 'name');
  const namespace = field(metadata, 'namespace');
  const namespaced = KNOWN_KINDS.get(kind)?.namespaced ?? false;
  return new ProblemCollector(
    {
      kind,
      name: typeof name === 'string' && name !== '' ? name : undefined,
      namespace: namespaced ? (typeof namespace === 'string' && namespace !== '' ? namespace : DEFAULT_NAMESPACE) : undefined,
    },
    origin,
  );
}

/**
 * The result for an object that survived (with whatever problems were found on the way).
 * The object is copied deeply into plain, frozen objects: keys whose value is undefined are
 * removed, so two conversions of the same input are deep-equal however a converter spelled
 * "absent" (the store can compare objects to skip no-op updates); and freezing keeps the
 * snapshot that planners share from being changed behind the store's back.
 */
export function converted(object: ModelObject, problems: ProblemCollector): ConversionResult {
  return { object: frozenCopy(object), problems: problems.problems };
}

function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(copyEntry)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const entry = source[key];
    if (entry !== undefined) setEntry(result, key, frozenCopy(entry));
  }
  return Object.freeze(result) as T;
}

function copyEntry(entry: unknown): unknown {
  return frozenCopy(entry);
}

/** The result for a dropped object; the collector already holds the error that says why. */
export function dropped(problems: ProblemCollector): ConversionResult {
  return { problems: problems.problems };
}
