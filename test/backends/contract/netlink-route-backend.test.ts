import { FakeNetlinkPort } from '../../../src/backends/netlink/fake-netlink-port.js';
import { NetlinkRouteBackend } from '../../../src/backends/netlink/netlink-route-backend.js';
import { NamespacedRouteBackend } from '../../../src/backends/netlink/netns/namespaced-route-backend.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { KernelLab } from '../netlink/kernel-lab.js';
import { routeBackendContract } from './route-backend-contract.js';

/** Node-a of the contract fixture: 192.168.50.11/24 on eth0, so node-b's gateway is on a subnet. */
function fakeNodeA(): FakeNetlinkPort {
  return new FakeNetlinkPort().addDevice({ name: 'eth0' }).addAddress('eth0', '192.168.50.11/24');
}

routeBackendContract('NetlinkRouteBackend (fake netlink port)', () => new NetlinkRouteBackend(fakeNodeA(), new RecordingCommandRunner()));

describe('NetlinkRouteBackend on the kernel, in a node namespace (root)', function () {
  this.timeout(20_000);
  let lab: KernelLab | undefined;
  let backend: NamespacedRouteBackend | undefined;
  before(async function () {
    skipUnlessRoot(this);
    lab = await KernelLab.up([{ name: 'node-a', subnet: 0, host: 11, podSubnet: 1 }]);
    backend = await NamespacedRouteBackend.start(lab.nodes[0]!.netns);
  });
  after(async () => {
    await backend?.close();
    await lab?.down();
  });
  // One host serves every test: the contract's cleanup after each test leaves it as new.
  routeBackendContract('NamespacedRouteBackend', () => backend as NamespacedRouteBackend);
});
