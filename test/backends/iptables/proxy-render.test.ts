import assert from 'node:assert/strict';
import { endpointChain, endpointSetChain, isProxyChain } from '../../../src/backends/iptables/proxy/proxy-chain-names.js';
import { composeFamilyPayload } from '../../../src/backends/iptables/proxy/family-payload.js';
import { probability } from '../../../src/backends/iptables/proxy/rule-text.js';
import { chainTexts, renderServicePort as renderText } from '../../../src/backends/iptables/proxy/service-port-render.js';
import { IptablesProxyBackend } from '../../../src/backends/iptables/proxy/iptables-proxy-backend.js';
import type { ProxyEndpoint, ProxyPlan, ServicePortPlan } from '../../../src/core/plan/proxy-plan.js';
import { BackendError } from '../../../src/core/errors.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from '../contract/fixtures/proxy-plans.js';
import { hostilePorts, ipv6Ports, webWithEndpoint } from '../../fixtures/iptables-proxy/plans.js';

const settings = proxyPlan().settings;

/** The rules of one chain's text (`-A NAME rule` lines), each checked to name `chain`. */
function rulesOf(chain: string, text: string): string[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'whole lines');
  return text.slice(0, -1).split('\n').map((line) => {
    assert.ok(line.startsWith(`-A ${chain} `), line);
    return line.slice(`-A ${chain} `.length);
  });
}

/** A port's rendering as rule lists, without the `-A NAME` of each line. */
function renderServicePort(...args: Parameters<typeof renderText>) {
  const rendered = renderText(...args);
  return {
    chains: new Map([...chainTexts(rendered)].map(([name, text]) => [name, rulesOf(name, text)])),
    services: rulesOf('KR-SERVICES', rendered.services),
    nodePorts: rulesOf('KR-NODEPORTS', rendered.nodePorts),
    servicesFilter: rulesOf('KR-SERVICES-FILTER', rendered.servicesFilter),
    externalServices: rulesOf('KR-EXTERNAL-SERVICES', rendered.externalServices),
  };
}
const port = (key: string): ServicePortPlan => proxyServicePorts().find((candidate) => candidate.key === key) as ServicePortPlan;

function restores(runner: RecordingCommandRunner): string[] {
  return runner.calls.filter((call) => call.command === 'iptables-restore').map((call) => call.input ?? '');
}

/** The refusal of the fixture's service CIDR (172.16.0.0/16) no service holds, last in KR-SERVICES-FILTER; written by hand. */
const UNALLOCATED = [
  '-A KR-SERVICES-FILTER -d 172.16.0.0/16 -p tcp -m comment --comment "kube-router no service holds this address and port" -m conntrack ! --ctstate DNAT -j REJECT --reject-with tcp-reset',
  '-A KR-SERVICES-FILTER -d 172.16.0.0/16 -m comment --comment "kube-router no service holds this address and port" -m conntrack ! --ctstate DNAT -j REJECT --reject-with icmp-port-unreachable',
];

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

  it('on a full sync ends KR-SERVICES-FILTER with the refusal per service CIDR of the family, and guards localnet only with localhost NodePorts (checked by hand)', () => {
    const dual = proxyPlanWith(proxyServicePorts(), { serviceCIDRs: ['172.16.0.0/16', 'fd00::/108'], localhostNodePorts: true });
    const payload = (family: 'IPv4' | 'IPv6', plan: ProxyPlan) => composeFamilyPayload({
      family, settings: plan.settings, ports: plan.servicePorts.values().map((entry) => renderText(entry, family, plan.settings)),
      dispatch: 'full', chains: [], deleteChains: [], insertJumps: [],
    }).text;
    const v4 = payload('IPv4', dual).split('\n');
    const filterLines = v4.filter((line) => line.startsWith('-A KR-SERVICES-FILTER '));
    assert.deepEqual(filterLines.slice(-2), UNALLOCATED);
    assert.ok(v4.includes('-A KR-PROXY-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "kube-router block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'));
    const v6 = payload('IPv6', dual).split('\n');
    assert.deepEqual(v6.filter((line) => line.includes('no service holds')), [
      '-A KR-SERVICES-FILTER -d fd00::/108 -p tcp -m comment --comment "kube-router no service holds this address and port" -m conntrack ! --ctstate DNAT -j REJECT --reject-with tcp-reset',
      '-A KR-SERVICES-FILTER -d fd00::/108 -m comment --comment "kube-router no service holds this address and port" -m conntrack ! --ctstate DNAT -j REJECT --reject-with icmp6-port-unreachable',
    ]);
    assert.ok(!v6.some((line) => line.includes('127.0.0.0/8 -m comment')));
    const plain = payload('IPv4', proxyPlanWith(proxyServicePorts(), { serviceCIDRs: [] }));
    assert.ok(!plain.includes('no service holds') && !plain.includes('localnet'), plain);
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
  // The expected payloads below were written by hand from the layout (the rule texts as the
  // render goldens above, checked against kube-proxy's): what changes and nothing else.
  const WEB = 'default/web:http/TCP';
  const webSvc = endpointSetChain(WEB, 'IPv4', 'cluster');
  const webSep = (ip: string): string => endpointChain(WEB, ip, 8080);
  const webMasq = `-A ${webSvc} -m comment --comment "default/web:http cluster IP" -d 172.16.0.10/32 -p tcp -m tcp --dport 80 ! -s 10.1.0.0/16 -j KR-MARK-MASQ`;

  /** The restore payloads of `next` synced after `first`, and the backend's line count. */
  async function delta(first: ProxyPlan, next: ProxyPlan): Promise<{ payloads: string[]; lines: number | undefined }> {
    const runner = new RecordingCommandRunner();
    const backend = new IptablesProxyBackend(runner);
    await backend.sync(first);
    const before = runner.calls.length;
    const report = await backend.sync(next);
    const calls = runner.calls.slice(before);
    assert.ok(calls.every((call) => call.command === 'iptables-restore'), 'no iptables-save on a partial sync');
    return { payloads: calls.map((call) => call.input ?? ''), lines: report.payload?.lines };
  }

  it('on one endpoint added, writes only that port\'s balancing chain and the new endpoint\'s chain (payload written by hand)', async () => {
    const { payloads, lines } = await delta(proxyPlan(), proxyPlanWith(webWithEndpoint('10.1.2.9')));
    assert.deepEqual(payloads, [[
      '*nat',
      `:${webSvc} - [0:0]`,
      `:${webSep('10.1.2.9')} - [0:0]`,
      webMasq,
      `-A ${webSvc} -m comment --comment "default/web:http endpoint 1" -m statistic --mode random --probability 0.3333333333 -j ${webSep('10.1.1.5')}`,
      `-A ${webSvc} -m comment --comment "default/web:http endpoint 2" -m statistic --mode random --probability 0.5000000000 -j ${webSep('10.1.2.7')}`,
      `-A ${webSvc} -m comment --comment "default/web:http endpoint 3" -j ${webSep('10.1.2.9')}`,
      `-A ${webSep('10.1.2.9')} -s 10.1.2.9/32 -m comment --comment "default/web:http" -j KR-MARK-MASQ`,
      `-A ${webSep('10.1.2.9')} -p tcp -m comment --comment "default/web:http" -j DNAT --to-destination 10.1.2.9:8080`,
      'COMMIT',
      '',
    ].join('\n')]);
    assert.equal(lines, 10);
  });

  it('on one endpoint added to one of 1,000 services, writes the same 10 lines: the others are not named', async () => {
    const others = Array.from({ length: 999 }, (_, index) => ({
      ...(proxyServicePorts()[1] as ServicePortPlan),
      key: `ns/svc-${index}:dns/UDP`,
      service: `ns/svc-${index}`,
      frontends: [{ ...(proxyServicePorts()[1]?.frontends[0] as ServicePortPlan['frontends'][number]), ip: `172.16.${index >> 8}.${index & 255}` }],
    }));
    const { payloads, lines } = await delta(
      proxyPlanWith([...proxyServicePorts().slice(0, 1), ...others]),
      proxyPlanWith([...webWithEndpoint('10.1.2.9').slice(0, 1), ...others]),
    );
    assert.equal(lines, 10);
    assert.ok(!payloads.join('').includes('ns/svc-'));
  });

  it('on one endpoint removed, rewrites the balancing chain and deletes the endpoint\'s chain (payload written by hand)', async () => {
    const fewer = proxyServicePorts().map((port) => (port.key === WEB ? { ...port, clusterEndpoints: port.clusterEndpoints.slice(0, 1) } : port));
    const { payloads } = await delta(proxyPlan(), proxyPlanWith(fewer));
    assert.deepEqual(payloads, [[
      '*nat',
      `:${webSvc} - [0:0]`,
      `:${webSep('10.1.2.7')} - [0:0]`,
      webMasq,
      `-A ${webSvc} -m comment --comment "default/web:http endpoint 1" -j ${webSep('10.1.1.5')}`,
      `-X ${webSep('10.1.2.7')}`,
      'COMMIT',
      '',
    ].join('\n')]);
  });

  const webWithout = (): ServicePortPlan[] => proxyServicePorts().map((port) => (port.key === WEB
    ? { ...port, clusterEndpoints: [], frontends: port.frontends.map((f) => ({ ...f, noEndpoints: 'REJECT' as const })) }
    : port));

  it('when a service gains its first endpoint, rewrites the dispatch chains of nat and the REJECTs of filter', async () => {
    const { payloads } = await delta(proxyPlanWith(webWithout()), proxyPlan());
    const payload = payloads[0] ?? '';
    assert.equal(payloads.length, 1);
    const [nat, filter] = payload.split('COMMIT\n');
    const web = renderText(port(WEB), 'IPv4', settings);
    const declared = nat?.split('\n').filter((line) => line.startsWith(':')).map((line) => line.slice(1, -' - [0:0]'.length)) ?? [];
    assert.deepEqual(new Set(declared), new Set(['KR-SERVICES', 'KR-NODEPORTS', ...web.chainNames]));
    // Highest name first, the order iptables-nft-restore places new chains in at once.
    assert.ok(declared.every((name, index) => index === 0 || (declared[index - 1] as string) > name), declared.join(' '));
    // KR-SERVICES whole: web, two kube-dns, shop/api's cluster IP and load balancer, the NodePort jump.
    assert.equal(nat?.split('\n').filter((line) => line.startsWith('-A KR-SERVICES ')).length, 6);
    assert.ok(nat?.includes(`-A KR-SERVICES -d 172.16.0.10/32 -m comment --comment "default/web:http cluster IP" -p tcp -m tcp --dport 80 -j ${webSvc}\n`));
    assert.equal(nat?.split('\n').filter((line) => line.startsWith('-A KR-NODEPORTS ')).length, 1);
    // No other port has a verdict: both filter dispatch chains are flushed, KR-SERVICES-FILTER
    // refilled with only the refusal of the fixture's service CIDR 172.16.0.0/16 (written by hand);
    // the firewall chain is not named.
    assert.equal(filter, [
      '*filter',
      ':KR-SERVICES-FILTER - [0:0]',
      ':KR-EXTERNAL-SERVICES - [0:0]',
      ...UNALLOCATED,
      '',
    ].join('\n'));
    assert.ok(payload.endsWith('COMMIT\n') && !payload.includes('KR-PROXY-FIREWALL') && !payload.includes('KR-POSTROUTING'));
  });

  it('when a service loses its last endpoint, writes the REJECTs in filter and deletes its chains', async () => {
    const { payloads } = await delta(proxyPlan(), proxyPlanWith(webWithout()));
    const [nat, filter] = (payloads[0] ?? '').split('COMMIT\n');
    const web = renderText(port(WEB), 'IPv4', settings);
    for (const name of web.chainNames) assert.ok(nat?.includes(`\n-X ${name}\n`), name);
    assert.equal(filter, [
      '*filter',
      ':KR-SERVICES-FILTER - [0:0]',
      ':KR-EXTERNAL-SERVICES - [0:0]',
      '-A KR-SERVICES-FILTER -d 172.16.0.10/32 -m comment --comment "default/web:http ClusterIP has no endpoints" -p tcp -m tcp --dport 80 -j REJECT',
      ...UNALLOCATED,
      '-A KR-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -m comment --comment "default/web:http NodePort has no endpoints" -p tcp -m tcp --dport 30080 -j REJECT',
      '',
    ].join('\n'));
  });

  it('on an IPv6 endpoint removed from a dual-stack plan, runs ip6tables-restore only', async () => {
    const v6 = ipv6Ports().map((p) => ({ ...p, key: `${p.key}-v6` }));
    const runner = new RecordingCommandRunner();
    const backend = new IptablesProxyBackend(runner);
    await backend.sync(proxyPlanWith([...proxyServicePorts(), ...v6]));
    const before = runner.calls.length;
    await backend.sync(proxyPlanWith([...proxyServicePorts(), ...v6.map((p) => ({ ...p, clusterEndpoints: p.clusterEndpoints.slice(1) }))]));
    const calls = runner.calls.slice(before);
    assert.deepEqual(calls.map((call) => call.command), ['ip6tables-restore']);
    assert.ok(!calls[0]?.input?.includes('KR-SERVICES') && calls[0]?.input?.includes('\n-X KR-SEP-'));
  });

  it('runs no restore when a plan\'s changed fragments render to the same rules', async () => {
    const { payloads, lines } = await delta(proxyPlan(), proxyPlanWith(proxyServicePorts().map((p) => ({ ...p, healthCheckNodePort: 31999 }))));
    assert.deepEqual(payloads, []);
    assert.equal(lines, 0);
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
    assert.equal(restores(runner).at(-1), restores(runner).at(-2), 'the retry writes what the rejected payload wrote');
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

  it('bounds a comment naming a long hostile service to its first 200 characters, each unsafe one replaced by _', async () => {
    const runner = new RecordingCommandRunner();
    const ports = proxyServicePorts().map((port) => ({ ...port, service: `ns/${'é"'.repeat(150)}` }));
    await new IptablesProxyBackend(runner).sync(proxyPlanWith(ports));
    const comments = new Set([...restores(runner).join('').matchAll(/--comment "([^"]*)"/g)].map((match) => match[1]));
    // By hand: "ns/" and 300 unsafe characters, of which the first 197 fit; every suffix (" endpoint 1", ":http cluster IP", ...) is cut off.
    const bounded = `ns/${'_'.repeat(197)}`;
    assert.ok(comments.has(bounded));
    for (const text of comments) assert.ok(text === bounded || text?.startsWith('kube-router') || text?.startsWith('masquerade') || text?.includes('traffic'), text);
  });
});
