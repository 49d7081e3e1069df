/**
 * The host process of `NamespacedRouteBackend`: started inside a network namespace (`ip netns
 * exec NS node namespaced-backend-host.js CONFIG`), it opens its netlink socket there, runs a
 * {@link NetlinkRouteBackend} and answers the line protocol of `host-protocol.ts` on standard
 * input and output, one request at a time. It exits when its input closes.
 *
 * @module
 */
import { createInterface } from 'node:readline';
import type { RoutePlan } from '../../../core/plan/route-plan.js';
import { ExecCommandRunner } from '../../../exec/exec-command-runner.js';
import { NetlinkRouteBackend } from '../netlink-route-backend.js';
import { RtnetlinkPort } from '../rtnetlink/rtnetlink-port.js';
import { serializeError, type HostConfig, type HostReply, type HostRequest } from './host-protocol.js';
import { applyPlanDelta } from './plan-delta.js';

async function serve(config: HostConfig): Promise<void> {
  const port = new RtnetlinkPort();
  const backend = new NetlinkRouteBackend(port, new ExecCommandRunner(), config.backend ?? {});
  let received: RoutePlan | undefined;
  const send = (message: object): void => {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  };
  send({ ready: true, pid: process.pid });
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as HostRequest;
    let reply: Omit<HostReply, 'operations'>;
    try {
      if (request.method === 'sync') {
        received = applyPlanDelta(received, request.delta);
        reply = { id: request.id, report: await backend.sync(received, { resync: request.resync }) };
      } else if (request.method === 'cleanup') {
        await backend.cleanup();
        reply = { id: request.id };
      } else {
        const state = await backend.describe();
        reply = { id: request.id, summary: state.summary, programmed: state.plan !== undefined };
      }
    } catch (error) {
      reply = { id: request.id, error: serializeError(error) };
    }
    send({ ...reply, operations: backend.lastSyncOperations });
  }
  await port.close();
}

const config = JSON.parse(process.argv[2] ?? '{}') as HostConfig;
serve(config).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
