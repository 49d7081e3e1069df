import { FakeIpvsPort, IpvsProxyBackend, MemoryVipInterface } from '../../../src/backends/ipvs/index.js';
import { ManualClock } from '../../../src/core/controller/manual-clock.js';
import { proxyBackendContract } from './proxy-backend-contract.js';

proxyBackendContract(
  'IpvsProxyBackend (fake IPVS port)',
  () => new IpvsProxyBackend(new FakeIpvsPort(), new MemoryVipInterface(), { clock: new ManualClock(), gracePeriodMs: 1000 }),
);
