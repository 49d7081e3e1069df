/**
 * Source of the pod server daemon, kept as text because it runs under plain `node` (no
 * TypeScript loader) so it starts in tens of milliseconds.
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
export const POD_SERVER_DAEMON_SOURCE = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const held = [];
const failures = [];
let listening = 0;
let ready = false;

function endpoint(address, port) {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain.includes(':') ? '[' + plain + ']:' + port : plain + ':' + port;
}
function answer(pod, address, port) {
  return JSON.stringify({ pod: pod, source: endpoint(address, port) }) + '\n';
}
function serveTcp(pod, server) {
  server.on('error', () => {});
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.end(answer(pod, socket.remoteAddress, socket.remotePort));
  });
}
function serveUdp(pod, socket) {
  socket.on('error', () => {});
  socket.on('message', (_message, remote) => {
    socket.send(answer(pod, remote.address, remote.port), remote.port, remote.address);
  });
}
function bind(pod) {
  return new Promise((resolve) => {
    let settled = false;
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
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('message', (message, handle) => {
      if (message.done) return settle();
      if (message.error) return void failures.push(pod.key + ' ' + message.protocol + '/' + message.port + ': ' + message.error);
      if (!handle) return;
      held.push(handle);
      (message.protocol === 'tcp' ? serveTcp : serveUdp)(pod.key, handle);
      listening++;
    });
    child.on('error', (error) => settle('binder failed: ' + error.message));
    child.on('close', (code) => settle(code === 0 ? 'binder ended early' : 'binder exited with ' + code + ' ' + stderr.trim()));
  });
}
async function main() {
  const queue = config.pods.slice();
  const workers = [];
  for (let i = 0; i < Math.min(config.concurrency, queue.length); i++) {
    workers.push((async () => { while (queue.length > 0) await bind(queue.shift()); })());
  }
  await Promise.all(workers);
  ready = true;
  process.send({ ready: true, listening: listening, failures: failures });
}
process.on('disconnect', () => {
  // Before ready, a lost parent means nobody will ever use the lab; after ready, a detached
  // lab's parent disconnects on purpose and the marker file tells the two apart.
  if (!ready || !fs.existsSync(config.detachMarker)) process.exit(0);
});
process.on('SIGTERM', () => process.exit(0));
main().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * Source of the binder: runs inside one pod's namespace, opens its listening sockets and
 * hands them to the daemon. argv[2]: `{ ports: [{ port, protocol }], dualStack }`.
 */
export const POD_SERVER_BINDER_SOURCE = String.raw`'use strict';
const net = require('node:net');
const dgram = require('node:dgram');
const spec = JSON.parse(process.argv[2]);
const host = spec.dualStack ? '::' : '0.0.0.0';

function send(message, handle) {
  return new Promise((resolve) => process.send(message, handle, {}, () => resolve()));
}
function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: port, host: host, ipv6Only: false }, () => resolve(server));
  });
}
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
      await send({ port: entry.port, protocol: entry.protocol, error: error.code || error.message });
    }
  }
  await send({ done: true });
  process.exit(0);
})();
`;
