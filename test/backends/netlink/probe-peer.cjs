'use strict';
// A pod's end of the kernel tests, run inside a pod namespace with `ip netns exec`:
//   serve IP PORT           answer TCP and UDP on IP:PORT with "pong IP"; prints "ready"; ends with stdin
//   probe IP PORT tcp|udp MS  one exchange, bounded by MS; prints {"ok":..,"reply":..}
const net = require('node:net');
const dgram = require('node:dgram');

const [mode, host, portText, protocol, timeoutText] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'serve') {
  const tcp = net.createServer((socket) => socket.end(`pong ${host}`));
  const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (_message, from) => udp.send(`pong ${host}`, from.port, from.address));
  let listening = 0;
  const ready = () => { if (++listening === 2) process.stdout.write('ready\n'); };
  tcp.listen(port, host, ready);
  udp.bind(port, host, ready);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
} else if (mode === 'probe') {
  const timeoutMs = Number(timeoutText);
  const finish = (ok, reply) => { process.stdout.write(`${JSON.stringify({ ok, reply })}\n`); process.exit(0); };
  setTimeout(() => finish(false, 'timeout'), timeoutMs).unref();
  if (protocol === 'tcp') {
    const socket = net.connect(port, host);
    let data = '';
    socket.on('data', (chunk) => { data += chunk; });
    socket.on('end', () => finish(data.startsWith('pong'), data));
    socket.on('error', (error) => finish(false, error.code));
  } else {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (message) => finish(String(message).startsWith('pong'), String(message)));
    socket.on('error', (error) => finish(false, error.code));
    // Resend: the first datagram may wait on ARP at the far end.
    const send = () => socket.send('ping', port, host);
    send();
    setInterval(send, 200).unref();
  }
} else {
  process.stderr.write('usage: probe-peer.cjs serve IP PORT | probe IP PORT tcp|udp TIMEOUT_MS\n');
  process.exit(2);
}
