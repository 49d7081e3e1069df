/**
 * The pod indexes built at once from the sorted pod table: the node index for a store's first
 * snapshot after a bulk load (a manifest file, an informer's initial list), the label index
 * when a snapshot is first asked for pods by label (see `StoreTables`). The entries of each
 * index come out in key order without sorting them, since an index key is `value NUL podKey`
 * and no value holds a NUL (see `index-keys.ts`). So the index values are sorted (a few
 * thousand node names, label pairs) and each value's pods follow in pod-key order.
 *
 * @module
 */
import type { Pod } from '../model/index.js';
import { labelIndexPrefix, nodeIndexPrefix } from './index-keys.js';

/** Keys and values of one index, sorted by key. */
export interface IndexEntries {
  readonly keys: string[];
  readonly values: Pod[];
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of the node index of `pods`, which must be sorted by key (a table view's values). */
export function podNodeIndexEntries(pods: readonly Pod[]): IndexEntries {
  const byNode = new Map<string, Pod[]>();
  for (let index = 0; index < pods.length; index++) {
    const pod = pods[index]!;
    const nodeName = pod.nodeName;
    if (nodeName === undefined) continue;
    const onNode = byNode.get(nodeName);
    if (onNode === undefined) byNode.set(nodeName, [pod]);
    else onNode.push(pod);
  }
  // Each group's prefix is built once and shared by its keys (`prefix + podKey` is the
  // index key of index-keys.ts).
  const entries: IndexEntries = { keys: [], values: [] };
  for (const nodeName of [...byNode.keys()].sort(compareKeys)) {
    const prefix = nodeIndexPrefix(nodeName);
    for (const pod of byNode.get(nodeName)!) {
      entries.keys.push(prefix + pod.key);
      entries.values.push(pod);
    }
  }
  return entries;
}

/** The entries of the label index of `pods`, which must be sorted by key (a table view's values). */
export function podLabelIndexEntries(pods: readonly Pod[]): IndexEntries {
  // Label pairs by key, then value: the two-level map keeps the pair apart without a
  // separator of its own.
  const byLabel = new Map<string, Map<string, Pod[]>>();
  for (let index = 0; index < pods.length; index++) {
    const pod = pods[index]!;
    // Keys, then one read per key: no entry arrays per label for 300,000 pods.
    const labels = pod.labels;
    for (const labelKey of Object.keys(labels)) {
      const labelValue = labels[labelKey]!;
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
  const entries: IndexEntries = { keys: [], values: [] };
  for (const labelKey of [...byLabel.keys()].sort(compareKeys)) {
    const values = byLabel.get(labelKey)!;
    for (const labelValue of [...values.keys()].sort(compareKeys)) {
      const prefix = labelIndexPrefix(labelKey, labelValue);
      for (const pod of values.get(labelValue)!) {
        entries.keys.push(prefix + pod.key);
        entries.values.push(pod);
      }
    }
  }
  return entries;
}
