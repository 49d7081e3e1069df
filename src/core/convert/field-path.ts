/** How many children one path keeps (see {@link FieldPath.child}). */
const CACHED_CHILDREN = 32;

/**
 * A location inside a raw Kubernetes object, printed JSON-path style:
 * `spec.ports[1].port`, `metadata.labels["app.kubernetes.io/name"]`.
 *
 * Immutable: `child` returns a new path, so one parent can be shared by many children.
 * @internal
 */
export class FieldPath {
  /** Children made so far, by segment (see {@link FieldPath.child}). */
  private children: Map<string | number, FieldPath> | undefined;

  private constructor(private readonly text: string) {}

  /** The empty path: the object itself. */
  static readonly ROOT = new FieldPath('');

  /** A path from dotted segments, e.g. `FieldPath.of('spec', 'ports')`. */
  static of(...segments: readonly (string | number)[]): FieldPath {
    let path = FieldPath.ROOT;
    for (const segment of segments) path = path.child(segment);
    return path;
  }

  /**
   * One level deeper. Numbers become `[i]`; identifier-like keys become `.key`; any other key
   * (label keys with `/` or `.`) is quoted as `["key"]` so the path stays unambiguous.
   */
  child(segment: string | number): FieldPath {
    // Converters ask for the same few children of the same constant paths for every object
    // (`spec.containers[0]`, `status.podIPs`): those are kept, up to a bound, since a path is
    // immutable; keys taken from user data (label keys) must not grow the cache without end.
    const cached = this.children?.get(segment);
    if (cached !== undefined) return cached;
    const child = this.makeChild(segment);
    this.children ??= new Map();
    if (this.children.size < CACHED_CHILDREN) this.children.set(segment, child);
    return child;
  }

  private makeChild(segment: string | number): FieldPath {
    if (typeof segment === 'number') return new FieldPath(`${this.text}[${segment}]`);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      return new FieldPath(this.text === '' ? segment : `${this.text}.${segment}`);
    }
    return new FieldPath(`${this.text}[${JSON.stringify(segment)}]`);
  }

  /** The printed path; empty for the root. */
  toString(): string {
    return this.text;
  }
}
