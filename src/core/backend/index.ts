export * from './backend.js';
export * from './concern-backends.js';
