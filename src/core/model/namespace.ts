import type { ClusterMeta } from './common.js';

/** A namespace: its labels are what NetworkPolicy namespace selectors match. */
export interface Namespace extends ClusterMeta {
  readonly kind: 'Namespace';
}
