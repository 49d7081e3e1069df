export * from './exec-command-runner.js';
export * from './recording-command-runner.js';
