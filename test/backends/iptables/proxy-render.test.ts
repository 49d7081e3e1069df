import assert from 'node:assert/strict';
import { endpointChain, endpointSetChain, isProxyChain } from '../../../src/backends/iptables/proxy/proxy-chain-names.js';
import { probability } from '../../../src/backends/iptables/proxy/rule-text.js';
import { renderServicePort } from '../../../src/backends/iptables/proxy/service-port-render.js';
import { IptablesProxyBackend } from '../../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import type { ProxyEndpoint, ServicePortPlan } from '../../../src/core/plan/proxy-plan.js';
import { BackendError } from '../../../src/core/errors.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from '../contract/fixtures/proxy-plans.js';
import { hostilePorts, webWithEndpoint } from '../../fixtures/iptables-proxy/plans.js';

const settings = proxyPlan().settings;
const port = (key: string): ServicePortPlan => proxyServicePorts().find((candidate) => candidate.key === key) as ServicePortPlan;

function restores(runner: RecordingCommandRunner): string[] {
  return runner.calls.filter((call) => call.command === 'iptables-restore').map((call) => call.input ?? '');
}

describe('iptables proxy render (golden lines checked by hand against kube-proxy\'s layout)', () => {
  it('balances web\'s cluster IP over its two endpoints with probability 1/2, then the last unconditionally', () => {
    const web = renderServicePort(port('default/web:http/TCP'), 'IPv4', settings);
    const svc = endpointSetChain('default/web:http/TCP', 'IPv4', 'cluster');
    const sep1 = endpointChain('default/web:http/TCP', '10.1.1.5', 8080);
    const sep2 = endpointChain('default/web:http/TCP', '10.1.2.7', 8080);
    assert.deepEqual(web.services, [`-d 172.16.0.10/32 -m comment --comment "default/web:http cluster IP" -p tcp -m tcp --dport 80 -j ${svc}`]);
    assert.deepEqual(web.chains.get(svc), [
      '-m comment --comment "default/web:http cluster IP" -d 172.16.0.10/32 -p tcp -m tcp --dport 80 ! -s 10.1.0.0/16 -j KR-MARK-MASQ',
      `-m comment --comment "default/web:http endpoint 1" -m statistic --mode random --probability 0.5000000000 -j ${sep1}`,
      `-m comment --comment "default/web:http endpoint 2" -j ${sep2}`,
    ]);
    assert.deepEqual(web.chains.get(sep1), [
      '-s 10.1.1.5/32 -m comment --comment "default/web:http" -j KR-MARK-MASQ',
      '-p tcp -m comment --comment "default/web:http" -j DNAT --to-destination 10.1.1.5:8080',
    ]);
    assert.match(web.nodePorts[0] ?? '', /^-m comment --comment "default\/web:http NodePort" -p tcp -m tcp --dport 30080 -j KR-EXT-/);
  });

  it('prints probabilities 1/n, 1/(n-1), ... with ten decimals', () => {
    assert.deepEqual([0, 1, 2].map((index) => probability(index, 3)), ['0.3333333333', '0.5000000000', '1.0000000000']);
  });

  it('gives the Local load balancer its source ranges, the short circuit and affinity (recent --rcheck/--set)', () => {
    const api = renderServicePort(port('shop/api:https/TCP'), 'IPv4', settings);
    const chains = [...api.chains];
    const fw = chains.find(([name]) => name.startsWith('KR-LBFW-'));
    const ext = chains.find(([name]) => name.startsWith('KR-EXT-'));
    assert.ok(fw && ext);
    assert.deepEqual(fw[1], [
      `-s 198.51.100.0/24 -m comment --comment "shop/api:https allowed source" -j ${ext[0]}`,
      '-m comment --comment "shop/api:https source not allowed" -j KR-MARK-DROP',
    ]);
    const svc = endpointSetChain('shop/api:https/TCP', 'IPv4', 'cluster');
    const svl = endpointSetChain('shop/api:https/TCP', 'IPv4', 'local');
    assert.deepEqual(ext[1].map((rule) => rule.replace(/-m comment --comment "[^"]*" /, '')), [
      `-s 10.1.0.0/16 -j ${svc}`,
      '-m addrtype --src-type LOCAL -j KR-MARK-MASQ',
      `-m addrtype --src-type LOCAL -j ${svc}`,
      `-j ${svl}`,
    ]);
    const sep = endpointChain('shop/api:https/TCP', '10.1.1.12', 8443);
    assert.ok(api.chains.get(svl)?.[0]?.endsWith(`-m recent --rcheck --seconds 10800 --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`));
    assert.ok(api.chains.get(sep)?.[1]?.endsWith(`-m recent --set --name ${sep} --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.1.1.12:8443`));
  });

  it('rejects in filter a frontend without any endpoint, and drops a Local one without local endpoints after the short circuit', () => {
    const empty = { ...port('default/web:http/TCP'), clusterEndpoints: [] as ProxyEndpoint[] };
    const rejected = renderServicePort({ ...empty, frontends: empty.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })) }, 'IPv4', settings);
    assert.deepEqual(rejected.services, []);
    assert.deepEqual(rejected.nodePorts, []);
    assert.equal(rejected.chains.size, 0);
    assert.deepEqual(rejected.servicesFilter, ['-d 172.16.0.10/32 -m comment --comment "default/web:http ClusterIP has no endpoints" -p tcp -m tcp --dport 80 -j REJECT']);
    assert.deepEqual(rejected.externalServices, ['-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -m comment --comment "default/web:http NodePort has no endpoints" -p tcp -m tcp --dport 30080 -j REJECT']);
    const api = port('shop/api:https/TCP');
    const dropped = renderServicePort({
      ...api,
      localEndpoints: [],
      frontends: api.frontends.map((f) => (f.kind === 'LoadBalancer' ? { ...f, noEndpoints: 'DROP' as const } : f)),
    }, 'IPv4', settings);
    assert.deepEqual(dropped.servicesFilter, ['-d 172.16.200.1/32 -m comment --comment "shop/api:https LoadBalancer has no local endpoints" -p tcp -m tcp --dport 443 -j DROP']);
    const ext = [...dropped.chains].find(([name]) => name.startsWith('KR-EXT-'));
    assert.equal(ext?.[1].length, 3, 'the short circuit only: no jump to an empty local set');
  });

  it('matches NodePorts on the plan\'s addresses when a nodePortAddresses filter is given, loopback with localhost NodePorts', () => {
    const filtered = proxyPlanWith(proxyServicePorts(), { nodePortAddressFilter: ['192.168.50.0/24'], localhostNodePorts: true }).settings;
    const empty = { ...port('default/web:http/TCP'), clusterEndpoints: [] as ProxyEndpoint[] };
    const rendered = renderServicePort({ ...empty, frontends: empty.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })) }, 'IPv4', filtered);
    assert.deepEqual(rendered.externalServices.map((rule) => rule.split(' -m comment')[0]), ['-d 192.168.50.11/32', '-d 127.0.0.1/32']);
  });

  it('keeps every chain name within 28 characters and owned by the proxy', () => {
    for (const servicePort of hostilePorts()) {
      for (const name of renderServicePort(servicePort, 'IPv4', settings).chains.keys()) {
        assert.ok(name.length <= 28, name);
        assert.ok(isProxyChain(name) && !name.startsWith('KR-FW-'), name);
      }
    }
  });
});

describe('IptablesProxyBackend with a recording runner', () => {
  it('on one endpoint added, rewrites only that service port\'s chains plus the dispatch chains (line count checked by hand)', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new IptablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    const before = runner.calls.length;
    await backend.sync(proxyPlanWith(webWithEndpoint('10.1.2.9')));
    const calls = runner.calls.slice(before);
    assert.deepEqual(calls.map((call) => [call.command, ...call.args]), [['iptables-restore', '--noflush', '-w']], 'no iptables-save');
    const payload = calls[0]?.input ?? '';
    const declared = payload.split('\n').filter((line) => line.startsWith(':KR-S')).map((line) => line.split(' ')[0]);
    // web: its SVC chain and three SEP chains (EXT is web's too); no kube-dns or shop/api chain.
    const web = renderServicePort(webWithEndpoint('10.1.2.9')[0] as ServicePortPlan, 'IPv4', settings);
    const ownChains = [...web.chains.keys()].filter((name) => name.startsWith('KR-S'));
    assert.deepEqual(declared.filter((name) => name !== ':KR-SERVICES' && name !== ':KR-SERVICES-FILTER'), ownChains.map((name) => `:${name}`));
    assert.ok(!payload.includes('10.1.1.9:53') && !payload.includes('10.1.1.12:8443'));
    // nat: *nat, 6 dispatch declarations, 5 chains of web declared, 6 KR-SERVICES + 1 KR-NODEPORTS
    // + 5 fixed + 2 masq-outside rules, web's SVC 1+3, SEPs 3*2, EXT 2 rules, COMMIT;
    // filter: *filter, 3 declarations, 1 rule, COMMIT.
    assert.equal(backend.lastPayloads[0]?.lines, 1 + 6 + 5 + 6 + 1 + 5 + 2 + 12 + 1 + 1 + 3 + 1 + 1);
  });

  it('keeps the previous state when a payload is rejected, and writes the change again on the next sync', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new IptablesProxyBackend(runner);
    await backend.sync(proxyPlan());
    let reject = true;
    runner.respond((call) => (call.command === 'iptables-restore' && reject ? { exitCode: 2, stderr: 'iptables-restore: line 3 failed' } : undefined));
    const changed = proxyPlanWith(webWithEndpoint('10.1.2.9'));
    await assert.rejects(backend.sync(changed), BackendError);
    assert.equal((await backend.describe()).plan?.servicePorts.get('default/web:http/TCP')?.clusterEndpoints.length, 2);
    reject = false;
    const report = await backend.sync(changed);
    assert.equal(report.changed, 1);
    assert.ok(restores(runner).at(-1)?.includes('--to-destination 10.1.2.9:8080'));
  });

  it('lets hostile service and port names reach the payload only hashed or as inert comments', async () => {
    const runner = new RecordingCommandRunner();
    await new IptablesProxyBackend(runner).sync(proxyPlanWith(hostilePorts()));
    const payload = restores(runner).join('');
    const lines = payload.split('\n');
    assert.equal(lines.filter((line) => line === 'COMMIT').length, 2);
    for (const line of lines) {
      assert.match(line, /^(\*nat|\*filter|COMMIT|:KR-[A-Z0-9-]+ - \[0:0\]|-[AIX] [A-Z0-9-]+( .*)?|)$/, line);
      assert.ok(!line.includes('#') && !line.includes("'"), line);
      // Quotes only as the two delimiters of each comment.
      assert.equal((line.match(/"/g) ?? []).length % 2, 0, line);
    }
    const outsideComments = payload.replace(/--comment "[^"\n]*"/g, '');
    assert.ok(!outsideComments.includes('ACCEPT') && !outsideComments.includes('INPUT -j') && !payload.includes('é'));
  });
});
