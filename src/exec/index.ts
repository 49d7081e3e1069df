export * from './exec-command-runner.js';
export * from './recording-command-runner.js';
export { NetnsCommandRunner } from './netns-command-runner.js';
