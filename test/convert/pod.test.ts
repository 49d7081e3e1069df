import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { convertPod } from '../../src/core/convert/index.js';
import type { Pod } from '../../src/core/model/index.js';
import { patched, rawPod } from './fixtures.js';

describe('convertPod', () => {
  it('converts a full dual-stack pod', () => {
    const raw = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'api-7d9f',
        namespace: 'shop',
        uid: 'u-1',
        resourceVersion: '42',
        labels: { app: 'api', tier: 'backend' },
        annotations: { 'example.com/owner': 'team-a' },
      },
      spec: {
        nodeName: 'node-b',
        initContainers: [{ name: 'migrate', ports: [{ containerPort: 9999 }] }],
        containers: [
          { name: 'app', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
          { name: 'sidecar', ports: [{ containerPort: 9090, protocol: 'SCTP' }] },
          { name: 'log' },
        ],
      },
      status: {
        phase: 'Running',
        podIP: '10.244.2.7',
        podIPs: [{ ip: '10.244.2.7' }, { ip: 'FD00:10:244:2:0:0:0:7' }],
      },
    };
    const result = convertPod(raw);
    assert.deepEqual(result.problems, []);
    const expected: Pod = {
      kind: 'Pod',
      namespace: 'shop',
      name: 'api-7d9f',
      key: 'shop/api-7d9f',
      uid: 'u-1',
      resourceVersion: '42',
      labels: { app: 'api', tier: 'backend' },
      annotations: { 'example.com/owner': 'team-a' },
      nodeName: 'node-b',
      hostNetwork: false,
      phase: 'Running',
      podIPs: ['10.244.2.7', 'fd00:10:244:2::7'],
      containers: [
        {
          name: 'app',
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
          ],
        },
        { name: 'sidecar', ports: [{ containerPort: 9090, protocol: 'SCTP' }] },
        { name: 'log', ports: [] },
      ],
    };
    assert.deepEqual(result.object, expected);
  });

  it('defaults a bare pod: namespace default, phase Pending, no IPs, hostNetwork false', () => {
    const result = convertPod({ kind: 'Pod', metadata: { name: 'p' } });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.object, {
      kind: 'Pod',
      namespace: 'default',
      name: 'p',
      key: 'default/p',
      labels: {},
      annotations: {},
      hostNetwork: false,
      phase: 'Pending',
      podIPs: [],
      containers: [],
    });
  });

  it('falls back to status.podIP when podIPs is absent, and takes an IPv6-only pod', () => {
    const result = convertPod(patched(rawPod(), (r) => { delete r.status.podIPs; r.status.podIP = '2001:DB8::0:1'; }));
    assert.deepEqual(result.problems, []);
    assert.deepEqual((result.object as Pod).podIPs, ['2001:db8::1']);
  });

  it('warns when podIP disagrees with podIPs[0] and keeps podIPs', () => {
    const result = convertPod(patched(rawPod(), (r) => (r.status.podIP = '10.244.1.99')));
    assert.deepEqual((result.object as Pod).podIPs, ['10.244.1.5']);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.field, 'status.podIP');
    assert.equal(result.problems[0]?.severity, 'warning');
  });

  it('keeps a host-network pod flagged as such', () => {
    const result = convertPod(patched(rawPod(), (r) => (r.spec.hostNetwork = true)));
    assert.equal((result.object as Pod).hostNetwork, true);
  });

  it('drops an invalid port name (error) but keeps the port, and names an unnamed container ""', () => {
    const result = convertPod(
      patched(rawPod(), (r) => (r.spec.containers = [{ ports: [{ name: 'Not_Valid', containerPort: 80 }] }])),
    );
    assert.deepEqual((result.object as Pod).containers, [{ name: '', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
    assert.deepEqual(
      result.problems.map((p) => [p.severity, p.field]),
      [
        ['warning', 'spec.containers[0].name'],
        ['error', 'spec.containers[0].ports[0].name'],
      ],
    );
  });

  it('returns a frozen object', () => {
    const pod = convertPod(rawPod()).object as Pod;
    assert.ok(Object.isFrozen(pod));
    assert.ok(Object.isFrozen(pod.podIPs));
    assert.ok(Object.isFrozen(pod.labels));
  });
});
