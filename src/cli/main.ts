#!/usr/bin/env node
// The CLI entry point; the program itself lives in program.ts so tests can import it.
import { main } from './program.js';

await main(process.argv);
