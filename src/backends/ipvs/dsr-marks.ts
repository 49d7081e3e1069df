/**
 * The firewall marks of the DSR frontends: one per (external IP, protocol, port), taken from
 * a hash of that key so that it is the same across restarts unless two keys collide (then the
 * next free one), and kept while a service port claims the key. A released mark is not given
 * to another key before {@link DsrMarkLedger.settle}, so within one sync a mark names one key.
 *
 * @module
 */
import { DSR_MARK_MAX, type DsrFrontend } from './ipvs-dsr.js';

/** The mark a key is given when no other key holds it: FNV-1a of the key, folded into 1..{@link DSR_MARK_MAX}. */
export function preferredDsrMark(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return (hash % DSR_MARK_MAX) + 1;
}

interface Held {
  readonly frontend: DsrFrontend;
  readonly mark: number;
  readonly owners: Set<string>;
}

/** Marks by DSR frontend key, with the service ports that claim each. */
export class DsrMarkLedger {
  private readonly byKey = new Map<string, Held>();
  private readonly byMark = new Map<number, string>();
  private readonly byOwner = new Map<string, readonly string[]>();
  private readonly released = new Set<number>();

  /** How many frontends hold a mark. */
  get size(): number {
    return this.byKey.size;
  }

  /** The mark of frontend `key`, if one is held. */
  markOf(key: string): number | undefined {
    return this.byKey.get(key)?.mark;
  }

  /** Every held mark with its frontend. */
  entries(): { frontend: DsrFrontend; mark: number }[] {
    return [...this.byKey.values()].map(({ frontend, mark }) => ({ frontend, mark }));
  }

  /** Service port `owner` now needs exactly `frontends`: marks are taken for new keys and released for the keys no one claims. */
  claim(owner: string, frontends: readonly DsrFrontend[]): void {
    const next = frontends.map((frontend) => frontend.key);
    for (const key of this.byOwner.get(owner) ?? []) {
      if (next.includes(key)) continue;
      const held = this.byKey.get(key);
      held?.owners.delete(owner);
      if (held !== undefined && held.owners.size === 0) {
        this.byKey.delete(key);
        this.byMark.delete(held.mark);
        this.released.add(held.mark);
      }
    }
    for (const frontend of frontends) {
      const held = this.byKey.get(frontend.key);
      if (held !== undefined) held.owners.add(owner);
      else this.take(frontend, owner);
    }
    if (next.length === 0) this.byOwner.delete(owner);
    else this.byOwner.set(owner, next);
  }

  /** Released marks may be given to other keys from now on (after a sync). */
  settle(): void {
    this.released.clear();
  }

  /** Forgets every mark. */
  clear(): void {
    this.byKey.clear();
    this.byMark.clear();
    this.byOwner.clear();
    this.released.clear();
  }

  private take(frontend: DsrFrontend, owner: string): void {
    let mark = preferredDsrMark(frontend.key);
    for (let tried = 0; this.byMark.has(mark) || this.released.has(mark); tried += 1) {
      if (tried >= DSR_MARK_MAX) throw new RangeError(`no free DSR firewall mark for ${frontend.key}: all ${DSR_MARK_MAX} are taken`);
      mark = (mark % DSR_MARK_MAX) + 1;
    }
    this.byKey.set(frontend.key, { frontend, mark, owners: new Set([owner]) });
    this.byMark.set(mark, frontend.key);
  }
}
