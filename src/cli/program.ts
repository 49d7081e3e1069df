import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BackendError, ConfigError } from '../core/errors.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerLabCommands } from './commands/lab.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { LabConfigError, LabError } from '../lab/errors.js';

/**
 * The package's version, from the nearest `package.json` named `kube-router` above this file:
 * the sources sit two folders below it, the compiled CLI (`dist/src/cli`) three.
 */
export function packageVersion(): string {
  for (let up = '../../'; up.length <= '../../../../'.length; up += '../') {
    try {
      const manifest = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'kube-router' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Not there (or not ours): look one folder higher.
    }
  }
  return 'unknown';
}

/** Builds the `kube-router` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('kube-router')
    .description('Kubernetes node networking: pod routes, service proxy and NetworkPolicy firewall')
    .version(packageVersion(), '-V, --version', 'print the package version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  registerInspectCommand(program);
  registerAgentCommand(program);
  registerLabCommands(program);
  registerSimulateCommand(program);
  return program;
}

/**
 * Runs the CLI. Expected failures (bad flags, bad config, a failing kernel tool) print one
 * line and exit 2; only a bug prints a stack trace.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Usage errors exit 2 like config errors (1 means "problems found" for inspect);
      // --help and --version exit 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof ConfigError || error instanceof BackendError || error instanceof LabError || error instanceof LabConfigError) {
      console.error(`kube-router: ${error.message}`);
      process.exitCode = 2;
    } else {
      throw error;
    }
  }
}
