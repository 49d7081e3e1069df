import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  LAB_NETNS_PREFIX,
  MAX_INTERFACE_NAME_LENGTH,
  newRunId,
  nodeNetnsName,
  nodeUplinkInterfaceName,
  podHostInterfaceName,
  podNetnsName,
  routerLegInterfaceName,
  routerUplinkInterfaceName,
  runIdOfNetns,
  underlayNetnsName,
} from '../../src/lab/names.js';

describe('lab names', () => {
  it('makes 6-hex-digit run ids that differ between runs', () => {
    const ids = new Set(Array.from({ length: 20 }, () => newRunId()));
    for (const id of ids) assert.match(id, /^[0-9a-f]{6}$/);
    assert.ok(ids.size > 15);
  });

  it('puts the prefix and run id in every namespace name and reads the run id back', () => {
    const names = [
      nodeNetnsName('abc123', 0, 'worker-1'),
      podNetnsName('abc123', 7, 'default/web-1'),
      underlayNetnsName('abc123', 1),
    ];
    assert.deepEqual(names, ['krlab-abc123-n0-worker-1', 'krlab-abc123-p7-default.web-1', 'krlab-abc123-u1']);
    for (const name of names) {
      assert.ok(name.startsWith(LAB_NETNS_PREFIX));
      assert.equal(runIdOfNetns(name), 'abc123');
    }
    assert.equal(runIdOfNetns('cni-1234'), undefined);
  });

  it('keeps namespace names free of slashes and bounded for long cluster names', () => {
    const name = podNetnsName('abc123', 3, `ns/${'x'.repeat(250)}`);
    assert.ok(!name.includes('/'));
    assert.equal(name.length, 'krlab-abc123-p3-'.length + 40);
  });

  it('keeps interface names within the kernel limit of 15 bytes', () => {
    for (const index of [0, 9, 99_999]) {
      for (const name of [podHostInterfaceName(index), nodeUplinkInterfaceName(index),
        routerLegInterfaceName(index), routerUplinkInterfaceName(index)]) {
        assert.ok(name.length <= MAX_INTERFACE_NAME_LENGTH, name);
      }
    }
    assert.throws(() => podHostInterfaceName(123_456_789_012), RangeError);
  });
});
