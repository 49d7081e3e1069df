import assert from 'node:assert/strict';
import { IptablesProxyBackend } from '../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { NftablesProxyBackend } from '../../src/backends/nftables/proxy/nftables-proxy-backend.js';
import type { ProxyBackend } from '../../src/core/backend/concern-backends.js';
import type { ServicePortPlan } from '../../src/core/plan/proxy-plan.js';
import { RecordingCommandRunner, type RecordedCommand } from '../../src/exec/recording-command-runner.js';
import { proxyPlanWith, proxyServicePorts } from './contract/fixtures/proxy-plans.js';

/** The fixture's ports with a third endpoint of web on node-b (10.1.2.8). */
function webWithThirdEndpoint(): ServicePortPlan[] {
  return proxyServicePorts().map((port) =>
    port.key === 'default/web:http/TCP'
      ? { ...port, clusterEndpoints: [...port.clusterEndpoints, { ...port.clusterEndpoints[1]!, ip: '10.1.2.8' }] }
      : port,
  );
}

/** Lines of every payload the calls sent on standard input, counted from the recording. */
function recordedLines(calls: readonly RecordedCommand[]): number {
  return calls.reduce((sum, call) => sum + (call.input ?? '').split('\n').filter((line) => line !== '').length, 0);
}

/** The elements of every `add element` / `delete element` line: the items between the braces. */
function recordedElements(calls: readonly RecordedCommand[]): number {
  let count = 0;
  for (const call of calls) {
    for (const line of (call.input ?? '').split('\n')) {
      const list = /^(?:add|delete) element .*? \{ (.*) \}$/.exec(line)?.[1];
      if (list !== undefined) count += list.split(', ').length;
    }
  }
  return count;
}

/** Syncs the fixture plan, then the plan with web's third endpoint; returns the second sync's report and calls. */
async function endpointAdded(make: (runner: RecordingCommandRunner) => ProxyBackend) {
  const runner = new RecordingCommandRunner();
  const backend = make(runner);
  const first = await backend.sync(proxyPlanWith(proxyServicePorts()));
  const before = runner.calls.length;
  const report = await backend.sync(proxyPlanWith(webWithThirdEndpoint()));
  const calls = runner.calls.slice(before);
  const again = await backend.sync(proxyPlanWith(webWithThirdEndpoint()));
  return { first, report, calls, again, callsAfterAgain: runner.calls.length - before - calls.length };
}

describe('proxy sync reports: the payload each sync sent (RecordingCommandRunner)', () => {
  it('nftables: a third endpoint of web is 16 lines and 6 elements, as recorded (checked by hand: 2 balancer chains of 3 with 3 rules each, web\'s 2 dispatch elements deleted and re-added, 2 endpoint map elements, the unshared 2-endpoint NodePort balancer flushed and deleted)', async () => {
    const { first, report, calls, again, callsAfterAgain } = await endpointAdded((runner) => new NftablesProxyBackend(runner));
    assert.equal(first.full, true);
    assert.equal(report.full, false);
    assert.equal(calls.length, 1);
    // By hand from the recorded transaction: `add chain` x2 and `add rule` x6 (bal-vip4 and
    // bal-np4 of 3 endpoints: the mark rule, the DNAT for TCP, the DNAT for the rest), `delete element` x2 (services-4, nodeports-4: 1 element each),
    // `add element` x4 (the 2 endpoint maps and the 2 dispatch maps, 1 element each), and
    // `flush chain` + `delete chain` of bal-np4-cluster-always-2, which no other port uses
    // (bal-vip4-cluster-outside-2 stays: the DNS ports use it). 8 + 2 + 4 + 2 = 16 lines; 2 + 4 = 6 elements.
    assert.deepEqual(report.payload, { lines: 16, elements: 6 });
    assert.equal(report.payload?.lines, recordedLines(calls));
    assert.equal(report.payload?.elements, recordedElements(calls));
    // Nothing changed: nothing sent, and the report says so.
    assert.equal(callsAfterAgain, 0);
    assert.deepEqual(again.payload, { lines: 0, elements: 0 });
  });

  it('nftables: the first (full) sync counts the lines of its one transaction', async () => {
    const runner = new RecordingCommandRunner();
    const report = await new NftablesProxyBackend(runner).sync(proxyPlanWith(proxyServicePorts()));
    assert.equal(report.payload?.lines, recordedLines(runner.calls));
    assert.ok((report.payload?.elements ?? 0) > 0);
  });

  it('iptables: a third endpoint of web reports the lines it restored, as recorded, and only web\'s own chains are rewritten', async () => {
    const { report, calls, again, callsAfterAgain } = await endpointAdded((runner) => new IptablesProxyBackend(runner));
    assert.equal(report.full, false);
    const restores = calls.filter((call) => call.command === 'iptables-restore');
    assert.equal(restores.length, 1);
    const text = restores[0]?.input ?? '';
    assert.equal(report.payload?.lines, recordedLines(restores));
    // By hand from the recorded payload: `*nat`, web's service chain and the new endpoint chain
    // declared, the service chain's cluster-IP rule and 3 endpoint rules, the endpoint chain's
    // 2 rules, `COMMIT`: 1 + 2 + 4 + 2 + 1 = 10 (web's dispatch rules do not change).
    assert.equal(report.payload?.lines, 10, text);
    assert.equal(report.payload?.elements, undefined);
    // The new endpoint gets its chain; the other services' endpoint chains are not rewritten.
    assert.ok(text.includes('10.1.2.8:8080'), text);
    for (const other of ['10.1.1.9:53', '10.1.3.4:53', '10.1.1.12:8443']) assert.ok(!text.includes(other), `${other} in\n${text}`);
    assert.equal(callsAfterAgain, 0);
    assert.deepEqual(again.payload, { lines: 0 });
  });
});
