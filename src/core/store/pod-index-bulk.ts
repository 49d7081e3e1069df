/**
 * The pod indexes built at once from the sorted pod table, for a store's first snapshot after
 * a bulk load (a manifest file, an informer's initial list): the entries of each index come
 * out in key order without sorting them, since an index key is `value NUL podKey` and no
 * value holds a NUL (see `index-keys.ts`). So the index values are sorted (a few thousand
 * node names, label pairs) and each value's pods follow in pod-key order.
 *
 * @module
 */
import type { Pod } from '../model/index.js';
import { labelIndexKey, nodeIndexKey } from './index-keys.js';

/** Keys and values of one index, sorted by key. */
export interface IndexEntries {
  readonly keys: string[];
  readonly values: Pod[];
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entries of the node index and of the label index of `pods`, which must be sorted by
 * key (a table view's values): what indexing each pod one by one would hold.
 */
export function podIndexEntries(pods: readonly Pod[]): { byNode: IndexEntries; byLabel: IndexEntries } {
  const byNode = new Map<string, Pod[]>();
  // Label pairs by key, then value: the two-level map keeps the pair apart without a
  // separator of its own.
  const byLabel = new Map<string, Map<string, Pod[]>>();
  for (const pod of pods) {
    if (pod.nodeName !== undefined) {
      const onNode = byNode.get(pod.nodeName);
      if (onNode === undefined) byNode.set(pod.nodeName, [pod]);
      else onNode.push(pod);
    }
    for (const [labelKey, labelValue] of Object.entries(pod.labels)) {
      let values = byLabel.get(labelKey);
      if (values === undefined) {
        values = new Map();
        byLabel.set(labelKey, values);
      }
      const withValue = values.get(labelValue);
      if (withValue === undefined) values.set(labelValue, [pod]);
      else withValue.push(pod);
    }
  }
  const nodeEntries: IndexEntries = { keys: [], values: [] };
  for (const nodeName of [...byNode.keys()].sort(compareKeys)) {
    for (const pod of byNode.get(nodeName)!) {
      nodeEntries.keys.push(nodeIndexKey(nodeName, pod.key));
      nodeEntries.values.push(pod);
    }
  }
  const labelEntries: IndexEntries = { keys: [], values: [] };
  for (const labelKey of [...byLabel.keys()].sort(compareKeys)) {
    const values = byLabel.get(labelKey)!;
    for (const labelValue of [...values.keys()].sort(compareKeys)) {
      for (const pod of values.get(labelValue)!) {
        labelEntries.keys.push(labelIndexKey(labelKey, labelValue, pod.key));
        labelEntries.values.push(pod);
      }
    }
  }
  return { byNode: nodeEntries, byLabel: labelEntries };
}
