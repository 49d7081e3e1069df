// @ts-check
'use strict';
/*
 * The pod server daemon. Plain CommonJS so it runs under plain `node` (no
 * TypeScript loader) and starts in tens of milliseconds.
 *
 * Why one daemon for the whole lab: a Node process costs about 40 MB, too much per pod. A
 * socket belongs to the network namespace it was created in, not to the process that holds
 * it, so a short-lived binder runs inside each pod's namespace, opens the pod's listening
 * sockets, hands them over the IPC channel (Node passes TCP servers and UDP sockets as file
 * descriptors) and exits. This daemon then serves every pod from one process.
 *
 * argv[2]: path of a JSON file `{ binder, concurrency, pods: [{ key, netns, ports, dualStack }] }`.
 * Sends `{ ready, listening, failures }` over IPC when every binder has finished. Exits when the
 * IPC channel closes (its parent died) unless the parent disconnected after `ready` on purpose
 * (a detached lab, as `kube-router lab up` leaves it).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');

/**
 * The daemon config, written by `startPodServers` in pod-servers.ts.
 * @typedef {object} DaemonConfig
 * @property {string} binder path of pod-server-binder.cjs
 * @property {number} concurrency binders started at once
 * @property {string} detachMarker file present when the lab is detached on purpose
 * @property {PodConfig[]} pods
 */
/**
 * @typedef {object} PodConfig
 * @property {string} key
 * @property {string} netns
 * @property {{ port: number, protocol: 'tcp' | 'udp' }[]} ports
 * @property {boolean} dualStack
 */
/**
 * What a binder reports (see pod-server-binder.cjs); a handed-over socket comes as the handle.
 * @typedef {object} BinderMessage
 * @property {true} [done]
 * @property {number} [port]
 * @property {'tcp' | 'udp'} [protocol]
 * @property {string} [error]
 */
/** @typedef {import('node:net').Server} TcpServer */
/** @typedef {import('node:dgram').Socket} UdpSocket */

const configPath = process.argv[2];
if (configPath === undefined) throw new Error('usage: pod-server-daemon.cjs <config JSON path>');
/** @type {DaemonConfig} */
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
/** @type {import('node:child_process').SendHandle[]} */
const held = [];
/** @type {string[]} */
const failures = [];
let listening = 0;
let ready = false;

/**
 * @param {string} address
 * @param {number} port
 */
function endpoint(address, port) {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain.includes(':') ? '[' + plain + ']:' + port : plain + ':' + port;
}
/**
 * The answer: who served, the source it saw, and the port it served on (after any DNAT).
 * @param {string} pod
 * @param {string} address
 * @param {number} port
 * @param {number | undefined} served
 */
function answer(pod, address, port, served) {
  return JSON.stringify({ pod: pod, source: endpoint(address, port), port: served }) + '\n';
}
/**
 * @param {string} pod
 * @param {TcpServer} server
 */
function serveTcp(pod, server) {
  server.on('error', () => {});
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    // A client that reset before this handler ran leaves a socket without a peer: nobody
    // is there to answer, and the one server must not crash for every other pod.
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    if (address === undefined || port === undefined) {
      socket.destroy();
      return;
    }
    socket.end(answer(pod, address, port, socket.localPort));
  });
}
/**
 * @param {string} pod
 * @param {UdpSocket} socket
 */
function serveUdp(pod, socket) {
  socket.on('error', () => {});
  socket.on('message', (_message, remote) => {
    socket.send(answer(pod, remote.address, remote.port, socket.address().port), remote.port, remote.address);
  });
}
/**
 * Runs one pod's binder and adopts the sockets it hands over; never rejects (failures are collected).
 * @param {PodConfig} pod
 * @returns {Promise<void>}
 */
function bind(pod) {
  return new Promise((resolve) => {
    let settled = false;
    /** @param {string} [failure] */
    const settle = (failure) => {
      if (settled) return;
      settled = true;
      if (failure) failures.push(pod.key + ': ' + failure);
      resolve();
    };
    const spec = JSON.stringify({ ports: pod.ports, dualStack: pod.dualStack });
    const child = spawn('ip', ['netns', 'exec', pod.netns, process.execPath, config.binder, spec], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    // stdio[2] is 'pipe', so stderr exists; the types cannot tell from a four-entry stdio.
    /** @type {import('node:stream').Readable} */ (child.stderr).on('data', (chunk) => { stderr += chunk; });
    child.on('message', (received, handle) => {
      const message = /** @type {BinderMessage} */ (received);
      if (message.done) return settle();
      if (message.error) return void failures.push(pod.key + ' ' + message.protocol + '/' + message.port + ': ' + message.error);
      if (!handle) return;
      held.push(handle);
      // The binder sends a TCP server with protocol 'tcp' and a UDP socket otherwise.
      if (message.protocol === 'tcp') serveTcp(pod.key, /** @type {TcpServer} */ (handle));
      else serveUdp(pod.key, /** @type {UdpSocket} */ (handle));
      listening++;
    });
    child.on('error', (error) => settle('binder failed: ' + error.message));
    child.on('close', (code) => settle(code === 0 ? 'binder ended early' : 'binder exited with ' + code + ' ' + stderr.trim()));
  });
}
async function main() {
  const queue = config.pods.slice();
  /** @type {Promise<void>[]} */
  const workers = [];
  for (let i = 0; i < Math.min(config.concurrency, queue.length); i++) {
    // The queue is not empty, so shift() returns a pod.
    workers.push((async () => { while (queue.length > 0) await bind(/** @type {PodConfig} */ (queue.shift())); })());
  }
  await Promise.all(workers);
  ready = true;
  // Started by startPodServers, which always opens the IPC channel.
  if (!process.send) throw new Error('must run with an IPC channel');
  process.send({ ready: true, listening: listening, failures: failures });
}
process.on('disconnect', () => {
  // Before ready, a lost parent means nobody will ever use the lab; after ready, a detached
  // lab's parent disconnects on purpose and the marker file tells the two apart.
  if (!ready || !fs.existsSync(config.detachMarker)) process.exit(0);
});
process.on('SIGTERM', () => process.exit(0));
main().catch((error) => { console.error(error); process.exit(1); });
