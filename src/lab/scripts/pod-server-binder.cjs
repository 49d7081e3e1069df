// @ts-check
'use strict';
/*
 * The binder: runs inside one pod's namespace, opens its listening sockets and
 * hands them to the daemon. argv[2]: `{ ports: [{ port, protocol }], dualStack }`.
 */
const net = require('node:net');
const dgram = require('node:dgram');

/**
 * What the daemon passes in argv[2] (see `bind` in pod-server-daemon.cjs).
 * @typedef {object} BinderSpec
 * @property {{ port: number, protocol: 'tcp' | 'udp' }[]} ports
 * @property {boolean} dualStack
 */

/**
 * One report to the daemon: a socket handed over (with its handle), a socket that failed
 * (`error`), or the end of the list (`done`).
 * @typedef {{ port: number, protocol: 'tcp' | 'udp', error?: string } | { done: true }} BinderMessage
 */

const specArgument = process.argv[2];
if (specArgument === undefined) throw new Error('usage: pod-server-binder.cjs <spec JSON>');
/** @type {BinderSpec} */
const spec = JSON.parse(specArgument);
const host = spec.dualStack ? '::' : '0.0.0.0';

/**
 * @param {BinderMessage} message
 * @param {net.Server | dgram.Socket} [handle]
 * @returns {Promise<void>}
 */
function send(message, handle) {
  return new Promise((resolve) => {
    // Only useful when spawned by the daemon, which always opens the IPC channel.
    if (!process.send) throw new Error('must run with an IPC channel');
    process.send(message, handle, {}, () => resolve());
  });
}
/**
 * @param {number} port
 * @returns {Promise<net.Server>}
 */
function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: port, host: host, ipv6Only: false }, () => resolve(server));
  });
}
/**
 * @param {number} port
 * @returns {Promise<dgram.Socket>}
 */
function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: spec.dualStack ? 'udp6' : 'udp4', ipv6Only: false });
    socket.once('error', reject);
    socket.bind(port, host, () => resolve(socket));
  });
}
(async () => {
  for (const entry of spec.ports) {
    try {
      const handle = entry.protocol === 'tcp' ? await listenTcp(entry.port) : await bindUdp(entry.port);
      await send({ port: entry.port, protocol: entry.protocol }, handle);
    } catch (error) {
      // listen/bind fail with a system error (EADDRINUSE...); its code is the short answer.
      const failure = /** @type {NodeJS.ErrnoException} */ (error);
      await send({ port: entry.port, protocol: entry.protocol, error: failure.code || failure.message });
    }
  }
  await send({ done: true });
  process.exit(0);
})();
