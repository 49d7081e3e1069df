#!/usr/bin/env node
// Runs the compiled CLI when the package is built (the installed case); in a source checkout
// without a build it runs the TypeScript sources through tsx, so `npx kube-router` works both ways.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
