import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { Lab } from '../../src/lab/index.js';
import { fakeSnapshot, makeNode, makePod } from './fake-snapshot.js';
import { labForSuite, labNamespacesOnMachine } from './root-helpers.js';

const web = [{ containerPort: 8080, protocol: 'TCP' as const }, { containerPort: 5353, protocol: 'UDP' as const }];

const snapshot = fakeSnapshot(
  [
    makeNode('node-a', ['192.168.10.11', 'fd00:10::11'], ['10.244.1.0/24', 'fd00:244:1::/64']),
    makeNode('node-b', ['192.168.10.12'], ['10.244.2.0/24']),
  ],
  [
    makePod('default/a1', 'node-a', ['10.244.1.10', 'fd00:244:1::10'], web),
    makePod('default/a2', 'node-a', ['10.244.1.11', 'fd00:244:1::11'], web),
    makePod('default/b1', 'node-b', ['10.244.2.10'], web),
    makePod('kube-system/host-b', 'node-b', ['192.168.10.12'], [{ containerPort: 9100, protocol: 'TCP' }], { hostNetwork: true }),
    makePod('default/idle', 'node-b', ['10.244.2.11']),
  ],
);

describe('lab on one underlay subnet (root)', function () {
  const up = labForSuite(snapshot);

  it('builds one namespace per node, pod (hostNetwork pods excepted), underlay and client', async () => {
    const names = (await labNamespacesOnMachine()).filter((name) => name.includes(`-${up().runId}-`));
    assert.equal(names.length, 2 + 4 + 1 + 1);
    assert.equal(up().topology.router, undefined);
    assert.deepEqual(up().podServers?.failures, []);
    // 3 pods x (8080/tcp + 5353/udp) + hostNetwork 9100/tcp + idle 80/tcp + 80/udp
    assert.equal(up().podServers?.listening, 9);
  });

  it('configures kube-bridge with the first pod CIDR addresses and forwarding on the node', async () => {
    const { stdout } = await up().exec('node-a', ['ip', '-j', 'addr', 'show', 'dev', 'kube-bridge']);
    const [link] = JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
    const addresses = link?.addr_info.map((info) => `${info.local}/${info.prefixlen}`) ?? [];
    assert.ok(addresses.includes('10.244.1.1/24'));
    assert.ok(addresses.includes('fd00:244:1::1/64'));
    const sysctl = await up().exec('node-a', ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables']);
    assert.equal(sysctl.stdout, '1\n1\n');
  });

  it('connects pods on one node over TCP and UDP; the server reports the source it saw', async () => {
    const [tcp, udp] = await up().probeAll([
      { from: 'default/a1', to: 'default/a2', port: 8080, protocol: 'tcp' },
      { from: 'default/a1', to: 'default/a2', port: 5353, protocol: 'udp' },
    ]);
    assert.equal(tcp?.connected, true);
    assert.equal(tcp?.answeredBy, 'default/a2');
    assert.match(tcp?.sourceSeen ?? '', /^10\.244\.1\.10:\d+$/);
    assert.equal(udp?.connected, true);
    assert.equal(udp?.answeredBy, 'default/a2');
    assert.match(udp?.sourceSeen ?? '', /^10\.244\.1\.10:\d+$/);
  });

  it('connects pods over IPv6', async () => {
    const result = await up().probe({ from: 'default/a2', to: 'fd00:244:1::10', port: 8080, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'default/a1');
    assert.match(result.sourceSeen ?? '', /^\[fd00:244:1::11\]:\d+$/);
  });

  it('refuses a closed port quickly, on TCP and on UDP', async () => {
    const [tcp, udp] = await up().probeAll([
      { from: 'default/a1', to: 'default/a2', port: 8081, protocol: 'tcp' },
      { from: 'default/a1', to: 'default/a2', port: 8080, protocol: 'udp' },
    ]);
    for (const result of [tcp, udp]) {
      assert.equal(result?.connected, false);
      assert.equal(result?.error, 'refused');
      assert.ok((result?.elapsedMs ?? Infinity) < 500, `${result?.elapsedMs} ms`);
    }
  });

  it('times out within the bound on an address nobody holds', async () => {
    const result = await up().probe({ from: 'default/a1', to: '10.244.1.200', port: 8080, protocol: 'tcp', timeoutMs: 400 });
    assert.equal(result.error, 'timeout');
    assert.ok(result.elapsedMs >= 400 && result.elapsedMs < 900, `${result.elapsedMs} ms`);
  });

  it('does not reach another node\'s pods without routes (no routing controller yet)', async () => {
    const result = await up().probe({ from: 'default/a1', to: 'default/b1', port: 8080, protocol: 'tcp' });
    assert.equal(result.connected, false);
    assert.equal(result.error, 'unreachable');
  });

  it('reaches another node\'s pods over the underlay once node routes exist, without masquerade', async () => {
    await up().exec('node-a', ['ip', 'route', 'add', '10.244.2.0/24', 'via', '192.168.10.12']);
    await up().exec('node-b', ['ip', 'route', 'add', '10.244.1.0/24', 'via', '192.168.10.11']);
    const result = await up().probe({ from: 'default/a1', to: 'default/b1', port: 8080, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'default/b1');
    assert.match(result.sourceSeen ?? '', /^10\.244\.1\.10:\d+$/);
  });

  it('serves hostNetwork pods in the node namespace, reachable from the outside client', async () => {
    const result = await up().probe({ from: 'client', to: 'node:node-b', port: 9100, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'kube-system/host-b');
    assert.match(result.sourceSeen ?? '', /^192\.168\.10\.250:\d+$/);
  });

  it('serves port 80 on both protocols for a pod that declares no port', async () => {
    const results = await up().probeAll([
      { from: 'default/b1', to: 'default/idle', port: 80, protocol: 'tcp' },
      { from: 'default/b1', to: 'default/idle', port: 80, protocol: 'udp' },
    ]);
    assert.deepEqual(results.map((result) => result.answeredBy), ['default/idle', 'default/idle']);
  });

  it('runs a matrix over all pairs', async () => {
    const matrix = await up().matrix(['default/a1', 'default/a2'], [8080], ['tcp']);
    assert.equal(matrix.results.length, 4);
    assert.deepEqual(matrix.results.map((result) => result.answeredBy),
      ['default/a1', 'default/a2', 'default/a1', 'default/a2']);
  });

  it('lets another process attach through the run state', async () => {
    const attached = await Lab.attach({ runId: up().runId });
    const result = await attached.probe({ from: 'default/a2', to: 'default/a1', port: 8080, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'default/a1');
  });

  it('starts processes in a node namespace and kills them on down', async () => {
    const child = up().spawnInNode('node-a', ['sleep', '30']);
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await up().down();
    assert.equal(await exited, 'SIGKILL');
    const left = (await labNamespacesOnMachine()).filter((name) => name.includes(`-${up().runId}-`));
    assert.deepEqual(left, []);
  });
});
