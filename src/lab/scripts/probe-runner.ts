/**
 * Source of the probe runner, kept as text because it runs under plain `node` inside the
 * source namespace (pod, node or client), where a TypeScript loader would triple its start.
 *
 * One runner performs a whole batch of probes from its namespace concurrently, so a matrix
 * costs one process per source rather than one per probe.
 *
 * stdin: JSON `[{ id, host, port, protocol, timeoutMs }]`; stdout: JSON
 * `[{ id, connected, answeredBy?, sourceSeen?, error?, detail?, elapsedMs }]`.
 * TCP: connected when the handshake completes. UDP: connected when an answer arrives; the
 * socket is connected, so an ICMP port unreachable surfaces as ECONNREFUSED ("refused").
 */
export const PROBE_RUNNER_SOURCE = String.raw`'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

function classify(code) {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'unreachable';
}
function parse(text) {
  try {
    const answer = JSON.parse(String(text).split('\n')[0]);
    return { answeredBy: answer.pod, sourceSeen: answer.source };
  } catch {
    return {};
  }
}
function probe(request) {
  return new Promise((resolve) => {
    const started = Date.now();
    const state = { connected: false, data: '' };
    let done = false;
    let close = () => {};
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      resolve(Object.assign({ id: request.id }, result, { elapsedMs: Date.now() - started }));
    };
    const answered = () => Object.assign({ connected: true }, parse(state.data));
    const failed = (error) => finish(state.connected
      ? answered()
      : { connected: false, error: classify(error.code), detail: error.code });
    const timer = setTimeout(
      () => finish(state.connected ? answered() : { connected: false, error: 'timeout' }),
      request.timeoutMs);
    close = (request.protocol === 'udp' ? udp : tcp)(request, state, finish, answered, failed);
  });
}
function tcp(request, state, finish, answered, failed) {
  const socket = net.connect({ host: request.host, port: request.port });
  socket.on('connect', () => { state.connected = true; });
  socket.on('data', (chunk) => {
    state.data += chunk;
    if (state.data.includes('\n')) finish(answered());
  });
  socket.on('end', () => finish(answered()));
  socket.on('error', failed);
  return () => socket.destroy();
}
function udp(request, state, finish, answered, failed) {
  const socket = dgram.createSocket(net.isIPv6(request.host) ? 'udp6' : 'udp4');
  socket.on('message', (message) => {
    state.connected = true;
    state.data = String(message);
    finish(answered());
  });
  socket.on('error', failed);
  socket.connect(request.port, request.host, (error) => {
    if (error) return failed(error);
    socket.send('probe\n', (sendError) => { if (sendError) failed(sendError); });
  });
  return () => { try { socket.close(); } catch {} };
}
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const requests = JSON.parse(input);
  const results = await Promise.all(requests.map(probe));
  process.stdout.write(JSON.stringify(results));
});
`;
