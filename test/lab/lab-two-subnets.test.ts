import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { fakeSnapshot, makeNode, makePod } from './fake-snapshot.js';
import { labForSuite, labNamespacesOnMachine } from './root-helpers.js';

const snapshot = fakeSnapshot(
  [
    makeNode('east-1', ['192.168.10.11'], ['10.244.1.0/24']),
    makeNode('east-2', ['192.168.10.12'], ['10.244.2.0/24']),
    makeNode('west-1', ['192.168.20.11'], ['10.244.3.0/24']),
  ],
  [
    makePod('default/e1', 'east-1', ['10.244.1.10']),
    makePod('default/w1', 'west-1', ['10.244.3.10']),
    makePod('default/host-w1', 'west-1', ['192.168.20.11'], [{ containerPort: 10250, protocol: 'TCP' }], { hostNetwork: true }),
  ],
);

describe('lab on two underlay subnets joined by a router (root)', function () {
  const up = labForSuite(snapshot);

  it('builds two underlay segments and a router with a leg in each', async () => {
    const names = (await labNamespacesOnMachine()).filter((name) => name.includes(`-${up().runId}-`));
    assert.ok(names.includes(`krlab-${up().runId}-u0`));
    assert.ok(names.includes(`krlab-${up().runId}-u1`));
    assert.ok(names.includes(`krlab-${up().runId}-router`));
    const { stdout } = await up().exec('west-1', ['ip', '-j', 'route', 'show', 'default']);
    assert.equal((JSON.parse(stdout) as { gateway: string }[])[0]?.gateway, '192.168.20.254');
  });

  it('routes node to node across the subnets through the router', async () => {
    const result = await up().probe({ from: 'node:east-2', to: 'node:west-1', port: 10250, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'default/host-w1');
    // No NAT in the router: the server sees east-2's own address.
    assert.match(result.sourceSeen ?? '', /^192\.168\.10\.12:\d+$/);
  });

  it('routes the outside client to a node in the other subnet', async () => {
    const result = await up().probe({ from: 'client', to: 'node:west-1', port: 10250, protocol: 'tcp' });
    assert.equal(result.answeredBy, 'default/host-w1');
    assert.match(result.sourceSeen ?? '', /^192\.168\.10\.250:\d+$/);
  });

  it('carries pod traffic across the router once node routes point at the other node', async () => {
    await up().exec('east-1', ['ip', 'route', 'add', '10.244.3.0/24', 'via', '192.168.10.254']);
    // The router needs to know the pod CIDRs too: in the real cluster BGP would tell it.
    await up().execIn('node:west-1', ['ip', 'route', 'add', '10.244.1.0/24', 'via', '192.168.20.254']);
    const router = up().topology.router?.netns as string;
    assert.ok(router);
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = promisify(execFile);
    await run('ip', ['-n', router, 'route', 'add', '10.244.1.0/24', 'via', '192.168.10.11']);
    await run('ip', ['-n', router, 'route', 'add', '10.244.3.0/24', 'via', '192.168.20.11']);
    const result = await up().probe({ from: 'default/e1', to: 'default/w1', port: 80, protocol: 'udp' });
    assert.equal(result.answeredBy, 'default/w1');
    assert.match(result.sourceSeen ?? '', /^10\.244\.1\.10:\d+$/);
  });
});
