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

/**
 * {@link converted} for a converter whose object is built of fresh objects and arrays only:
 * none taken from the raw input, none held anywhere else (the pod converter). Its objects are
 * frozen where they are instead of copied (arrays are still copied, at their length), which
 * saves a copy of most objects of a large list; the result is the same as {@link converted}'s
 * (an object with a key holding undefined is still copied without that key, and empty lists
 * and maps are the shared empty ones).
 */
export function convertedFresh(object: ModelObject, problems: ProblemCollector): ConversionResult {
  return { object: frozenInPlace(object), problems: problems.problems };
}

/**
 * Shared by every converted object with an empty list or map (most pods' annotations, a
 * service without selector): a frozen empty value is the same whoever holds it, and sharing it
 * saves an object per field per object of a large cluster.
 */
const EMPTY_ARRAY: readonly never[] = Object.freeze([]);
const EMPTY_OBJECT: Readonly<Record<string, never>> = Object.freeze({});

function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const length = value.length;
    if (length === 0) return EMPTY_ARRAY as T;
    const copy = new Array<unknown>(length);
    for (let index = 0; index < length; index++) copy[index] = frozenCopy(value[index]);
    return Object.freeze(copy) as T;
  }
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length === 0) return EMPTY_OBJECT as T;
  const result: Record<string, unknown> = {};
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const entry = source[key];
    if (entry !== undefined) setEntry(result, key, frozenCopy(entry));
  }
  return Object.freeze(result) as T;
}

/** {@link frozenCopy} of a fresh value, reusing its objects and arrays (see {@link convertedFresh}). */
function frozenInPlace<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const length = value.length;
    if (length === 0) return EMPTY_ARRAY as T;
    // Copied all the same: an array filled by `push` holds spare capacity (17 slots for one
    // entry), and a copy made at its length holds none.
    const copy = new Array<unknown>(length);
    for (let index = 0; index < length; index++) copy[index] = frozenInPlace(value[index]);
    return Object.freeze(copy) as T;
  }
  const target = value as Record<string, unknown>;
  // `for...in` with an own-property test rather than `Object.keys`: no array of keys per object.
  let empty = true;
  for (const key in target) {
    if (!Object.hasOwn(target, key)) continue;
    // Removing a key would turn the object into a slow dictionary: copy it instead.
    if (target[key] === undefined) return frozenCopy(value);
    empty = false;
  }
  if (empty) return EMPTY_OBJECT as T;
  for (const key in target) {
    if (!Object.hasOwn(target, key)) continue;
    const entry = target[key];
    if (typeof entry !== 'object' || entry === null) continue;
    const frozen = frozenInPlace(entry);
    if (frozen !== entry) setEntry(target, key, frozen);
  }
  return Object.freeze(target) as T;
}

/** The result for a dropped object; the collector already holds the error that says why. */
export function dropped(problems: ProblemCollector): ConversionResult {
  return { problems: problems.problems };
}
