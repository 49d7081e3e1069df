export * from './manifest-files.js';
export * from './manifest-parser.js';
export * from './manifest-reader.js';
export * from './manifest-source.js';
export * from './manifest-text.js';
export * from './load-cluster.js';
export * from './manifest-watcher.js';
