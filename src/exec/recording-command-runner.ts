import { BackendError } from '../core/errors.js';
import type { CommandRunner, RunOptions, RunResult } from '../core/ports/command-runner.js';

/** One command a `RecordingCommandRunner` was asked to run. */
export interface RecordedCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string | undefined;
}

/** What a scripted response returns or how it fails. */
export interface ScriptedResponse {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode?: number;
}

/** Decides the response to a command; return undefined to fall through to the next rule. */
export type ResponseRule = (call: RecordedCommand) => ScriptedResponse | undefined;

/**
 * A `CommandRunner` fake for unit tests of backends: records every call and answers from
 * scripted rules (default: success with empty output). Non-zero exit codes reject with the
 * same `BackendError` the real runner throws, so error paths are tested as they will run.
 */
export class RecordingCommandRunner implements CommandRunner {
  /** Every call, in order. */
  readonly calls: RecordedCommand[] = [];
  private readonly rules: ResponseRule[] = [];

  /** Adds a rule; rules are consulted in the order added. */
  respond(rule: ResponseRule): this {
    this.rules.push(rule);
    return this;
  }

  /** Answers every call of `command` (optionally only those whose args start with `prefix`). */
  respondTo(command: string, response: ScriptedResponse, prefix: readonly string[] = []): this {
    return this.respond((call) =>
      call.command === command && prefix.every((arg, i) => call.args[i] === arg) ? response : undefined,
    );
  }

  /** Records the call and answers from the first rule that matches (success by default). */
  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const call: RecordedCommand = { command, args: [...args], input: options.input };
    this.calls.push(call);
    let response: ScriptedResponse = {};
    for (const rule of this.rules) {
      const answer = rule(call);
      if (answer) {
        response = answer;
        break;
      }
    }
    const exitCode = response.exitCode ?? 0;
    const stderr = response.stderr ?? '';
    if (exitCode !== 0 && !(options.allowedExitCodes ?? []).includes(exitCode)) {
      throw new BackendError(command, args, exitCode, stderr);
    }
    return { stdout: response.stdout ?? '', stderr, exitCode };
  }
}
