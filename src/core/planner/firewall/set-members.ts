import { SortedTable } from '../../store/sorted-table.js';
import { addressKey } from '../common/addresses.js';

interface Member {
  readonly address: string;
  /** How many pods contribute the address (two pods briefly sharing an IP count twice). */
  readonly count: number;
}

/**
 * The members of one pod address set, kept in address order as pods enter and leave it, so
 * that a pod event costs O(log n) here and the sorted member list is a linear copy, never a
 * sort of the whole set.
 */
export class SetMembers {
  private readonly table = new SortedTable<Member>();
  private cached: readonly string[] | undefined;

  /** Counts one more pod with `address`. */
  add(address: string): void {
    const key = addressKey(address) || address;
    const known = this.table.get(key);
    this.table.set(key, { address, count: (known?.count ?? 0) + 1 });
    this.cached = undefined;
  }

  /** Counts one pod with `address` less; the address leaves when no pod has it. */
  remove(address: string): void {
    const key = addressKey(address) || address;
    const known = this.table.get(key);
    if (known === undefined) return;
    if (known.count <= 1) this.table.delete(key);
    else this.table.set(key, { address, count: known.count - 1 });
    this.cached = undefined;
  }

  /** The distinct addresses, sorted numerically (IPv4 first). */
  addresses(): readonly string[] {
    if (this.cached === undefined) this.cached = Object.freeze(this.table.view().values().map((member) => member.address));
    return this.cached;
  }
}
