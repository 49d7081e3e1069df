import assert from 'node:assert/strict';
import { FakeIpvsPort, IpvsProxyBackend, MemoryVipInterface } from '../../src/backends/ipvs/index.js';
import { BackendError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { nodePlan } from './ipvs/node-plan.js';
import type { ProxyEndpoint, ProxyPlan, ServicePortPlan } from '../../src/core/plan/proxy-plan.js';

function endpoint(ip: string, local = false): ProxyEndpoint {
  return { ip, family: 'IPv4', port: 8080, nodeName: local ? 'node-a' : 'node-b', local, ready: true, serving: true, terminating: false };
}

/** The real server key of an endpoint of {@link web} (port 8080). */
function server(address: string): { family: 'IPv4'; address: string; port: number } {
  return { family: 'IPv4', address, port: 8080 };
}

function web(endpoints: ProxyEndpoint[], extra: Partial<ServicePortPlan> = {}): ServicePortPlan {
  return {
    key: 'default/web:http/TCP',
    service: 'default/web',
    portName: 'http',
    protocol: 'TCP',
    frontends: [
      { kind: 'ClusterIP', ip: '10.96.0.10', family: 'IPv4', port: 80, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'never' },
      { kind: 'NodePort', family: 'IPv4', port: 30080, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'always' },
    ],
    clusterEndpoints: endpoints,
    localEndpoints: endpoints.filter((one) => one.local),
    hairpinMasquerade: true,
    ...extra,
  };
}

function dns(): ServicePortPlan {
  return {
    key: 'kube-system/dns:dns/UDP',
    service: 'kube-system/dns',
    portName: 'dns',
    protocol: 'UDP',
    frontends: [{ kind: 'ClusterIP', ip: '10.96.0.53', family: 'IPv4', port: 53, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'never' }],
    clusterEndpoints: [{ ...endpoint('10.1.2.9'), port: 53 }],
    localEndpoints: [],
    hairpinMasquerade: true,
  };
}

function plan(...ports: ServicePortPlan[]): ProxyPlan {
  return nodePlan({ clusterCIDRs: ['10.1.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeIP: '192.168.50.11' }, ...ports);
}

describe('IpvsProxyBackend on the fake IPVS port', () => {
  let port: FakeIpvsPort;
  let vips: MemoryVipInterface;
  let clock: ManualClock;
  let backend: IpvsProxyBackend;
  beforeEach(() => {
    port = new FakeIpvsPort();
    vips = new MemoryVipInterface();
    clock = new ManualClock();
    backend = new IpvsProxyBackend(port, vips, { clock, gracePeriodMs: 5000 });
  });

  it('programs a virtual service per frontend address, real servers with masquerade and weight 1, VIPs on the dummy link', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5', true), endpoint('10.1.2.7')]), dns()));
    const services = await port.listServices();
    assert.deepEqual(services.map((service) => `${service.protocol} ${service.address}:${service.port} ${service.scheduler}`).sort(), [
      'TCP 10.96.0.10:80 rr',
      'TCP 192.168.50.11:30080 rr',
      'UDP 10.96.0.53:53 rr',
    ]);
    const servers = await port.listRealServers(services.find((service) => service.port === 80)!);
    assert.deepEqual(servers.map((one) => `${one.address}:${one.port} ${one.forwarding} ${one.weight}`), ['10.1.1.5:8080 masquerade 1', '10.1.2.7:8080 masquerade 1']);
    // NodePort addresses are the node's own: only the VIPs go on kube-dummy-if.
    assert.deepEqual(await vips.list(), ['10.96.0.10', '10.96.0.53']);
  });

  it('maps the scheduler annotation, flag-1..3 to IP_VS_SVC_F_SCHED1..3 and ClientIP affinity to persistence', async () => {
    const annotated = web([endpoint('10.1.1.5')], { kubeRouter: { scheduler: 'sh', schedulerFlags: ['flag-1', 'flag-3'] }, affinityTimeoutSeconds: 600 });
    await backend.sync(plan(annotated));
    const [service] = (await port.listServices()).filter((one) => one.port === 80);
    assert.deepEqual(
      { scheduler: service?.scheduler, flags: service?.flags, timeout: service?.timeoutSeconds, netmask: service?.netmaskPrefix },
      { scheduler: 'sh', flags: 0x08 | 0x20 | 0x01, timeout: 600, netmask: 32 },
    );
  });

  it('an endpoint change touches only that service\'s real servers: one add, one weight 0, and the idle drained one deleted after one dump', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')]), dns()));
    port.clearOperations();
    const report = await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.8')]), dns()));
    assert.deepEqual({ changed: report.changed, unchanged: report.unchanged, full: report.full }, { changed: 1, unchanged: 1, full: false });
    // Two virtual services (ClusterIP, NodePort), each: add 10.1.2.8, drain 10.1.2.7 (weight 0);
    // then one dump of each shows 10.1.2.7 without connections, so it is deleted at once.
    assert.deepEqual(
      port.operations.map((one) => `${one.operation} ${one.service} ${one.server ?? '-'}`),
      [
        'addRealServer TCP 10.96.0.10:80 10.1.2.8:8080',
        'editRealServer TCP 10.96.0.10:80 10.1.2.7:8080',
        'addRealServer TCP 192.168.50.11:30080 10.1.2.8:8080',
        'editRealServer TCP 192.168.50.11:30080 10.1.2.7:8080',
        'listRealServers TCP 10.96.0.10:80 -',
        'deleteRealServer TCP 10.96.0.10:80 10.1.2.7:8080',
        'listRealServers TCP 192.168.50.11:30080 -',
        'deleteRealServer TCP 192.168.50.11:30080 10.1.2.7:8080',
      ],
    );
    assert.equal(vips.applyCount, 1, 'the VIPs were written once, at the first sync');
  });

  it('graceful termination: weight 0 at once, a server with connections deleted after the grace period', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')])));
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    const nodePort = (await port.listServices()).find((one) => one.port === 30080)!;
    port.setConnections(clusterIP, server('10.1.2.7'), 1, 0);
    port.setConnections(nodePort, server('10.1.2.7'), 0, 2);
    await backend.sync(plan(web([endpoint('10.1.1.5')])));
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => `${one.address} ${one.weight}`), ['10.1.1.5 1', '10.1.2.7 0']);
    await clock.advance(4999);
    await backend.reapTerminating();
    assert.equal((await port.listRealServers(clusterIP)).length, 2, 'still draining before the grace period ends');
    await clock.advance(1);
    await backend.reapTerminating();
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => one.address), ['10.1.1.5']);
    assert.deepEqual((await port.listRealServers(nodePort)).map((one) => one.address), ['10.1.1.5']);
  });

  it('a draining server is deleted as soon as its connections end: the timer reads only the draining service\'s dump', async () => {
    backend = new IpvsProxyBackend(port, vips, { clock, gracePeriodMs: 60_000, drainCheckIntervalMs: 1000 });
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')]), dns()));
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    const nodePort = (await port.listServices()).find((one) => one.port === 30080)!;
    port.setConnections(clusterIP, server('10.1.2.7'), 3, 1);
    port.setConnections(nodePort, server('10.1.2.7'), 1, 0);
    await backend.sync(plan(web([endpoint('10.1.1.5')]), dns()));
    const serversOf = async (service: typeof clusterIP): Promise<string[]> => (await port.listRealServers(service)).map((one) => `${one.address} ${one.weight}`);
    assert.deepEqual(await serversOf(clusterIP), ['10.1.1.5 1', '10.1.2.7 0'], 'connections left: it drains');
    // The ClusterIP's connections end; the NodePort's do not yet.
    port.setConnections(clusterIP, server('10.1.2.7'), 0, 0);
    port.clearOperations();
    await clock.advance(1000);
    // No explicit reap: the timer's, on the fake's immediate answers, is done by the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await serversOf(clusterIP), ['10.1.1.5 1'], 'deleted once idle, long before the 60 s grace period');
    assert.deepEqual(await serversOf(nodePort), ['10.1.1.5 1', '10.1.2.7 0']);
    const dumped = port.operations.filter((one) => one.operation === 'listRealServers').map((one) => one.service);
    assert.ok(!dumped.includes('UDP 10.96.0.53:53'), 'a service without a draining server is never dumped');
    assert.equal(port.count('listServices'), 0);
    port.setConnections(nodePort, server('10.1.2.7'), 0, 0);
    await clock.advance(1000);
    await backend.reapTerminating();
    assert.deepEqual(await serversOf(nodePort), ['10.1.1.5 1']);
    port.clearOperations();
    await clock.advance(5000);
    assert.equal(port.operations.length, 0, 'nothing drains: the timer stopped');
    backend.close();
  });

  it('a draining real server that comes back gets its weight again and is not deleted', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')])));
    await backend.sync(plan(web([endpoint('10.1.1.5')])));
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')])));
    await clock.advance(10_000);
    await backend.reapTerminating();
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => `${one.address} ${one.weight}`), ['10.1.1.5 1', '10.1.2.7 1']);
  });

  it('reads IPVS only on the first sync and on resync, and repairs drift then', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5')])));
    port.clearOperations();
    await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.1.6')])));
    assert.equal(port.count('listServices', 'listRealServers'), 0);
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    await port.deleteService(clusterIP);
    port.clearOperations();
    await backend.sync(plan(web([endpoint('10.1.1.6')])), { resync: true });
    assert.equal(port.count('listServices'), 1);
    assert.equal(port.count('addService'), 1, 'the deleted virtual service was put back');
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => one.address), ['10.1.1.6']);
  });

  it('honours kube-router.io/service.local: only local endpoints', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5', true), endpoint('10.1.2.7')], { kubeRouter: { localOnly: true } })));
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => one.address), ['10.1.1.5']);
  });

  it('a failed sync rejects with a BackendError and puts the touched service port back', async () => {
    await backend.sync(plan(web([endpoint('10.1.1.5')])));
    port.failNext('addRealServer', 'ENOMEM');
    await assert.rejects(backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')]))), BackendError);
    const clusterIP = (await port.listServices()).find((one) => one.port === 80)!;
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => one.address), ['10.1.1.5']);
    const report = await backend.sync(plan(web([endpoint('10.1.1.5'), endpoint('10.1.2.7')])));
    assert.equal(report.changed, 1, 'the next sync compares with the previous plan again');
    assert.deepEqual((await port.listRealServers(clusterIP)).map((one) => one.address).sort(), ['10.1.1.5', '10.1.2.7']);
  });

  it('cleanup removes its virtual services and the dummy link, and leaves a service it did not make', async () => {
    const foreign = { family: 'IPv4' as const, protocol: 'TCP' as const, address: '10.200.0.1', port: 9, scheduler: 'rr', flags: 0, timeoutSeconds: 0, netmaskPrefix: 32 };
    await port.addService(foreign);
    await backend.sync(plan(web([endpoint('10.1.1.5')])));
    await backend.cleanup();
    assert.deepEqual((await port.listServices()).map((one) => one.address), ['10.200.0.1']);
    assert.equal(vips.addresses, undefined);
  });
});
