/**
 * Runs inside the kernel VM, in a network namespace of the guest: programs a small ProxyPlan
 * through the real IPVS generic netlink port and `ip`, removes one endpoint (no connection
 * ever reached it, so it is deleted at once rather than drained), and writes what the
 * backend's own dump read back to $KUBE_ROUTER_VM_OUT/ipvs-state.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DummyInterfaceAddresses, GenericNetlinkIpvsPort, IpvsProxyBackend } from '../../../src/backends/ipvs/index.js';
import { fragmentMapOf } from '../../../src/core/plan/fragment-map.js';
import type { ProxyEndpoint, ProxyPlan } from '../../../src/core/plan/proxy-plan.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';

function endpoint(ip: string): ProxyEndpoint {
  return { ip, family: 'IPv4', port: 8080, nodeName: 'node-a', local: true, ready: true, serving: true, terminating: false };
}

function plan(ips: string[]): ProxyPlan {
  return {
    node: 'node-a',
    settings: { clusterCIDRs: [], serviceCIDRs: [], masqueradeAll: false, nodeAddresses: [], nodePortAddressFilter: [], nodePortAddresses: [], localhostNodePorts: false },
    servicePorts: fragmentMapOf(
      [
        {
          key: 'default/web:http/TCP',
          service: 'default/web',
          portName: 'http',
          protocol: 'TCP' as const,
          frontends: [{ kind: 'ClusterIP' as const, ip: '10.96.0.10', family: 'IPv4' as const, port: 80, trafficPolicy: 'Cluster' as const, endpoints: 'cluster' as const, sourceRanges: [], masquerade: 'never' as const }],
          clusterEndpoints: ips.map(endpoint),
          localEndpoints: [],
          affinityTimeoutSeconds: 600,
          hairpinMasquerade: true,
          kubeRouter: { scheduler: 'sh', schedulerFlags: ['flag-1'] },
        },
      ],
      (port) => port.key,
    ),
  };
}

const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const port = await GenericNetlinkIpvsPort.open();
const backend = new IpvsProxyBackend(port, new DummyInterfaceAddresses(new ExecCommandRunner()), { gracePeriodMs: 60_000 });
await backend.sync(plan(['10.244.1.2', '10.244.1.3']));
const first = await backend.kernelState();
await backend.sync(plan(['10.244.1.2']));
const drained = await backend.kernelState();
backend.close();
await port.close();
await writeFile(join(out, 'ipvs-state.json'), JSON.stringify({ first, drained }));
