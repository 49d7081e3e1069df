export * from './snapshot.js';
export * from './change.js';
export * from './cluster-store.js';
export * from './batching-sink.js';
export { SortedTable, SortedView } from './sorted-table.js';
