/**
 * The line protocol between `NamespacedRouteBackend` and its host process: one JSON object
 * per line each way. Requests carry an id; the reply with the same id carries the result or
 * the error, whose fields are enough to rebuild the `BackendError` (or `ConfigError`) the host
 * threw.
 *
 * @module
 */
import { BackendError, ConfigError } from '../../../core/errors.js';
import type { ProgrammedState } from '../../../core/backend/backend.js';
import type { RoutePlan } from '../../../core/plan/route-plan.js';
import type { SyncReport } from '../../../core/plan/sync-report.js';
import type { KernelOperations, NetlinkRouteBackendOptions } from '../netlink-route-backend.js';
import type { RoutePlanDelta } from './plan-delta.js';

/** A request to the host. */
export type HostRequest =
  | { readonly id: number; readonly method: 'sync'; readonly delta: RoutePlanDelta; readonly resync: boolean }
  | { readonly id: number; readonly method: 'cleanup' }
  | { readonly id: number; readonly method: 'describe' };

/** What the host says back after every request: the result and the last kernel operations. */
export interface HostReply {
  readonly id: number;
  readonly report?: SyncReport;
  readonly summary?: ProgrammedState<RoutePlan>['summary'];
  readonly programmed?: boolean;
  readonly operations: KernelOperations;
  readonly error?: SerializedError;
}

/** An error as it crosses the pipe. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly exitCode?: number;
  readonly stderr?: string;
  readonly reason?: string;
}

/** The host's first line: it is ready (its netlink socket is open in the namespace). */
export interface HostReady {
  readonly ready: true;
  readonly pid: number;
}

/** How the host is configured (passed as one JSON argument). */
export interface HostConfig {
  readonly backend?: NetlinkRouteBackendOptions;
}

/** The fields of `error` that survive the pipe. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof BackendError) {
    return {
      name: error.name,
      message: error.message,
      command: error.command,
      args: [...error.args],
      ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
      stderr: error.stderr,
      ...(error.reason === undefined ? {} : { reason: error.reason }),
    };
  }
  const plain = error instanceof Error ? error : new Error(String(error));
  return { name: plain.name, message: plain.message };
}

/** The error a reply carried, as the typed error the host threw (a `BackendError` otherwise). */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'ConfigError') return new ConfigError(error.message);
  if (error.command !== undefined) {
    return new BackendError(error.command, error.args ?? [], error.exitCode, error.stderr ?? '', error.reason);
  }
  return new BackendError('netlink', ['host'], undefined, '', `${error.name}: ${error.message}`);
}
