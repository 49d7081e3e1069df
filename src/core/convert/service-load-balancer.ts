import type { LoadBalancerIngress } from '../model/index.js';
import { nonUnicastAddressReason } from './address-rules.js';
import type { FieldPath } from './field-path.js';
import { parseCIDR, parseIP, type ParsedIP } from './ip-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, isAbsent, isRecord, optionalArray, optionalString, quote } from './raw-values.js';

/**
 * An address a service frontend may use (an external IP, a load balancer ingress IP), or why
 * not: it must parse, and must not be unspecified, loopback, link-local or multicast (see
 * `address-rules.ts`): a loopback or link-local frontend would capture the node's own traffic
 * to 127.0.0.1 or to the cloud metadata address.
 */
export function parseFrontendIP(value: unknown): { readonly ip: ParsedIP } | { readonly reason: string } {
  const parsed = typeof value === 'string' ? parseIP(value) : undefined;
  if (!parsed?.ok) return { reason: parsed ? parsed.reason : `expected a string, got ${describe(value)}` };
  const special = nonUnicastAddressReason(parsed.value);
  return special === undefined ? { ip: parsed.value } : { reason: `${special}, which cannot be a service address` };
}

/**
 * Reads `status.loadBalancer.ingress`. An invalid `ip`, or one that cannot be a service
 * address (see {@link parseFrontendIP}; stricter than the API server, which only checks that
 * it parses), is dropped (error) and the entry kept if it still has a hostname; an entry with
 * neither is dropped. `ipMode` defaults to VIP; an
 * unknown mode is a warning and VIP (the mode that has the node handle the address, as
 * before ipMode existed).
 */
export function parseLoadBalancerIngress(value: unknown, path: FieldPath, problems: ProblemCollector): LoadBalancerIngress[] {
  const result: LoadBalancerIngress[] = [];
  (optionalArray(value, path, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const entryPath = path.child(index);
    if (!isRecord(entry)) {
      problems.error(entryPath, `ingress dropped: expected an object, got ${describe(entry)}`);
      return;
    }
    let ip: string | undefined;
    const rawIP = entry['ip'];
    if (!isAbsent(rawIP) && rawIP !== '') {
      const parsed = parseFrontendIP(rawIP);
      if ('ip' in parsed) ip = parsed.ip.text;
      else problems.error(entryPath.child('ip'), `ingress IP dropped: ${parsed.reason}`);
    }
    const hostname = optionalString(entry['hostname'], entryPath.child('hostname'), problems) || undefined;
    if (ip === undefined && hostname === undefined) {
      if (isAbsent(rawIP) || rawIP === '') problems.warning(entryPath, 'ingress entry has neither ip nor hostname; dropped');
      return;
    }
    result.push({ ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}), ipMode: parseIPMode(entry['ipMode'], entryPath.child('ipMode'), problems) });
  });
  return result;
}

function parseIPMode(value: unknown, path: FieldPath, problems: ProblemCollector): 'VIP' | 'Proxy' {
  if (isAbsent(value) || value === '') return 'VIP';
  if (value === 'VIP' || value === 'Proxy') return value;
  problems.warning(path, `unknown ipMode ${shownValue(value)}; using VIP`);
  return 'VIP';
}

/**
 * Reads `spec.loadBalancerSourceRanges`. Surrounding spaces are trimmed and a CIDR with host
 * bits set (`10.0.0.1/8`) is normalised to its network with a warning, as kube-proxy does; an
 * unparseable entry is dropped (error). Dropping narrows the allowed sources, never widens
 * them, unless every entry is bad: then the list is empty, which means "allow all", so that
 * case is an error on the whole field and the caller must drop the service.
 */
export function parseSourceRanges(
  value: unknown,
  path: FieldPath,
  problems: ProblemCollector,
): { readonly ranges: string[]; readonly allDropped: boolean } {
  const entries = optionalArray(value, path, problems, 'error');
  if (!entries) return { ranges: [], allDropped: true };
  const ranges: string[] = [];
  entries.forEach((entry: unknown, index) => {
    const parsed = typeof entry === 'string' ? parseCIDR(entry.trim()) : undefined;
    if (!parsed?.ok) {
      problems.error(path.child(index), `source range dropped: ${parsed ? parsed.reason : `expected a string, got ${describe(entry)}`}`);
      return;
    }
    if (parsed.value.hadHostBits) {
      problems.warning(path.child(index), `source range ${quote(String(entry))} has host bits set; using ${parsed.value.text}`);
    }
    if (!ranges.includes(parsed.value.text)) ranges.push(parsed.value.text);
  });
  return { ranges, allDropped: entries.length > 0 && ranges.length === 0 };
}
