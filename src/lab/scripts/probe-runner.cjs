// @ts-check
'use strict';
/*
 * The probe runner. Plain CommonJS because it runs under plain `node` inside the
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
const net = require('node:net');
const dgram = require('node:dgram');

/**
 * One probe, as `runProbes` in probe.ts sends it.
 * @typedef {object} ProbeRequest
 * @property {number} id
 * @property {string} host
 * @property {number} port
 * @property {'tcp' | 'udp'} protocol
 * @property {number} timeoutMs
 */
/**
 * How a probe ended, before the runner adds `id` and `elapsedMs`.
 * @typedef {object} Outcome
 * @property {boolean} connected
 * @property {string} [answeredBy] the pod that answered
 * @property {string} [sourceSeen] the source address that pod saw
 * @property {number} [servedPort] the port that pod served the probe on
 * @property {string} [error] 'refused', 'timeout' or 'unreachable'
 * @property {string} [detail] the system error code behind `error`
 */
/** @typedef {Outcome & { id: number, elapsedMs: number }} ProbeResult */
/**
 * What a probe has seen so far, shared with its transport.
 * @typedef {object} ProbeState
 * @property {boolean} connected
 * @property {string} data
 */

/** @param {string | undefined} code */
function classify(code) {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'unreachable';
}
/**
 * @param {string} text
 * @returns {{ answeredBy?: string, sourceSeen?: string, servedPort?: number }}
 */
function parse(text) {
  try {
    // split() always yields at least one piece.
    const answer = JSON.parse(/** @type {string} */ (String(text).split('\n')[0]));
    return { answeredBy: answer.pod, sourceSeen: answer.source, servedPort: answer.port };
  } catch {
    return {};
  }
}
/**
 * @param {ProbeRequest} request
 * @returns {Promise<ProbeResult>}
 */
function probe(request) {
  return new Promise((resolve) => {
    const started = Date.now();
    const state = { connected: false, data: '' };
    let done = false;
    let close = () => {};
    /** @param {Outcome} result */
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      resolve(Object.assign({ id: request.id }, result, { elapsedMs: Date.now() - started }));
    };
    const answered = () => Object.assign({ connected: true }, parse(state.data));
    /** @param {NodeJS.ErrnoException} error */
    const failed = (error) => finish(state.connected
      ? answered()
      : { connected: false, error: classify(error.code), detail: error.code });
    const timer = setTimeout(
      () => finish(state.connected ? answered() : { connected: false, error: 'timeout' }),
      request.timeoutMs);
    close = (request.protocol === 'udp' ? udp : tcp)(request, state, finish, answered, failed);
  });
}
/**
 * Starts one probe over TCP; returns what closes its socket.
 * @param {ProbeRequest} request
 * @param {ProbeState} state
 * @param {(result: Outcome) => void} finish
 * @param {() => Outcome} answered
 * @param {(error: NodeJS.ErrnoException) => void} failed
 * @returns {() => void}
 */
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
/**
 * Starts one probe over UDP; returns what closes its socket.
 * @param {ProbeRequest} request
 * @param {ProbeState} state
 * @param {(result: Outcome) => void} finish
 * @param {() => Outcome} answered
 * @param {(error: NodeJS.ErrnoException) => void} failed
 * @returns {() => void}
 */
function udp(request, state, finish, answered, failed) {
  const socket = dgram.createSocket(net.isIPv6(request.host) ? 'udp6' : 'udp4');
  socket.on('message', (message) => {
    state.connected = true;
    state.data = String(message);
    finish(answered());
  });
  socket.on('error', failed);
  // Node passes a lookup failure to this callback, though the types declare it without arguments.
  socket.connect(request.port, request.host, /** @param {Error} [error] */ (error) => {
    if (error) return failed(error);
    socket.send('probe\n', (sendError) => { if (sendError) failed(sendError); });
  });
  return () => { try { socket.close(); } catch {} };
}
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  /** @type {ProbeRequest[]} */
  const requests = JSON.parse(input);
  const results = await Promise.all(requests.map(probe));
  process.stdout.write(JSON.stringify(results));
});
