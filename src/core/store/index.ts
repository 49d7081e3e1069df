export * from './snapshot.js';
export * from './change.js';
export * from './cluster-store.js';
export * from './batching-sink.js';
export { SortedTable, SortedView, type ViewDiff } from './sorted-table.js';
