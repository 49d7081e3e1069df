import type { Service, ServiceType, StringMap, TrafficPolicy } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { SERVICE_FIELDS } from './known-fields.js';
import { parseNamespacedMeta } from './metadata-parsing.js';
import { dnsLabelError, labelValueError, qualifiedNameError } from './name-rules.js';
import { parsePortNumber } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, field, isAbsent, isRecord, optionalArray, optionalBoolean, optionalString, setEntry } from './raw-values.js';
import { parseServiceAddressing } from './service-cluster-ips.js';
import { parseFrontendIP, parseLoadBalancerIngress, parseSourceRanges } from './service-load-balancer.js';
import { parseServicePorts } from './service-ports-parsing.js';
import { reportUnknownFields } from './unknown-fields.js';

const SPEC = FieldPath.of('spec');
const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
/** Kubernetes' default ClientIP affinity timeout (3 hours), and its maximum (1 day). */
const DEFAULT_AFFINITY_TIMEOUT = 10800;
const MAX_AFFINITY_TIMEOUT = 86400;

/**
 * Converts a v1 Service. What kube-proxy could not program as written drops the whole
 * service (error): unusable metadata (a name that is not a DNS-1123 label, which is what
 * current API servers check; older ones, and those with the RelaxedServiceNameValidation
 * feature gate (added in 1.34) off, also require a leading letter; an invalid namespace,
 * label or annotation), a `spec` that is not an object, an unknown `type`, any
 * flaw in the cluster IPs or IP families (an invalid address, `clusterIP` disagreeing with
 * `clusterIPs[0]`, two addresses of one family, `None` mixed with addresses or on a type other
 * than ClusterIP, an unknown or repeated family, a family contradicting the cluster IP at the
 * same index), an ExternalName service without `externalName`, a `selector` with a key that is
 * not a qualified name or a value that is not a string or not a label value (dropping the key
 * would widen the selection), and `loadBalancerSourceRanges` whose
 * every entry is bad (an empty list would allow every source). An unset cluster IP (a manifest
 * before allocation) is fine: `clusterIPs` is empty; missing `ipFamilies` are inferred from
 * the cluster IPs.
 *
 * Lesser flaws cost the bad part only:
 * - a port is dropped (error) for a name that is not a DNS-1123 label, a `port` outside
 *   1..65535, an unknown protocol (default TCP), a `targetPort` neither 1..65535 nor an IANA
 *   service name (0 or absent means "same as port"), a repeated (port, protocol) or name, or a
 *   missing name among several ports; an invalid `appProtocol` is dropped from its port;
 * - `nodePort` costs only itself: outside 1..65535 or repeated for one protocol it is dropped
 *   (error, the port still serves its cluster IP); on ClusterIP or ExternalName services it
 *   is ignored (warning); outside 30000-32767 is fine (custom node port ranges exist);
 * - `externalIPs`: an invalid address, or one Kubernetes refuses there (unspecified, loopback,
 *   link-local such as 169.254.169.254; multicast too, see `address-rules.ts`), is dropped
 *   (error per entry);
 * - `status.loadBalancer.ingress`: an `ip` that is invalid or not a usable service address is
 *   dropped (error), the entry kept if it has a hostname; `ipMode` defaults to VIP, unknown →
 *   VIP (warning);
 * - `loadBalancerSourceRanges`: trimmed; host bits (`10.0.0.1/8`) normalised to the network
 *   with a warning, as kube-proxy does; an unparseable entry dropped (error);
 * - `sessionAffinity`: default None, unknown → None (warning); the ClientIP timeout defaults
 *   to 10800 s, and outside 1..86400 is a warning and the default;
 * - `externalTrafficPolicy`: default Cluster; unknown (including the legacy `Global`) →
 *   Cluster (warning). Kubernetes allows it on externally accessible services only: NodePort,
 *   LoadBalancer, and ClusterIP with `externalIPs`, where `Local` is kept. On any other service
 *   (ClusterIP without external IPs, ExternalName) the API server refuses any value, even
 *   `Cluster`: an error, and the field is ignored (Cluster), which changes nothing since such a
 *   service has no external frontend;
 * - `internalTrafficPolicy`: default Cluster; unknown → Cluster (warning);
 * - `healthCheckNodePort`: only kept for a LoadBalancer with `externalTrafficPolicy: Local`
 *   (otherwise ignored with a warning); outside 1..65535 it is dropped (error).
 * - `externalName` on other types is ignored, as the API server clears it.
 * - no `spec.ports` on a service that is neither headless nor ExternalName: dropped (error),
 *   as the API server requires them and a proxy has nothing to program.
 *
 * Unknown fields of the spec, its ports and the load balancer status are warnings.
 */
export function convertService(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('Service', raw, origin);
  reportUnknownFields(raw, SERVICE_FIELDS, problems);
  const meta = parseNamespacedMeta(raw, problems, { name: dnsLabelError });
  if (!meta) return dropped(problems);
  const spec = field(raw, 'spec') ?? {};
  if (!isRecord(spec)) {
    problems.error(SPEC, `spec must be an object, got ${describe(spec)}`);
    return dropped(problems);
  }
  const type = parseType(spec['type'], problems);
  if (!type) return dropped(problems);
  const addressing = parseServiceAddressing(spec, type, problems);
  if (!addressing) return dropped(problems);
  const selector = parseSelector(spec['selector'], problems);
  if (selector === null) return dropped(problems);
  const externalName = parseExternalName(spec['externalName'], type, problems);
  if (externalName === null) return dropped(problems);
  const sourceRanges = parseSourceRanges(spec['loadBalancerSourceRanges'], SPEC.child('loadBalancerSourceRanges'), problems);
  // Parsed before any verdict on the whole object, so every flaw is reported in one pass.
  const ports = parseServicePorts(spec['ports'], type, problems);
  const externalIPs = parseExternalIPs(spec['externalIPs'], problems);
  const loadBalancerIngress = parseLoadBalancerIngress(
    field(field(field(raw, 'status'), 'loadBalancer'), 'ingress'),
    FieldPath.of('status', 'loadBalancer', 'ingress'),
    problems,
  );
  if (sourceRanges.allDropped) {
    problems.error(SPEC.child('loadBalancerSourceRanges'), 'no valid source range left; an empty list would allow every source');
    return dropped(problems);
  }
  if (type !== 'ExternalName' && !addressing.headless && isAbsentOrEmpty(spec['ports'])) {
    problems.error(SPEC.child('ports'), 'a service with a cluster IP needs at least one port');
    return dropped(problems);
  }
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && hasEntries(spec['externalIPs']));
  const externalTrafficPolicy = parseExternalTrafficPolicy(spec['externalTrafficPolicy'], type, externallyAccessible, problems);
  const sessionAffinity = parseSessionAffinity(spec['sessionAffinity'], problems);
  const service: Service = {
    kind: 'Service',
    ...meta,
    type,
    selector,
    ...addressing,
    ports,
    externalIPs,
    loadBalancerIngress,
    loadBalancerSourceRanges: sourceRanges.ranges,
    loadBalancerClass: optionalString(spec['loadBalancerClass'], SPEC.child('loadBalancerClass'), problems) || undefined,
    sessionAffinity,
    sessionAffinityTimeoutSeconds: parseAffinityTimeout(spec['sessionAffinityConfig'], sessionAffinity, problems),
    externalTrafficPolicy,
    internalTrafficPolicy: parseTrafficPolicy(spec['internalTrafficPolicy'], SPEC.child('internalTrafficPolicy'), problems),
    healthCheckNodePort: parseHealthCheckNodePort(spec['healthCheckNodePort'], type, externalTrafficPolicy, problems),
    publishNotReadyAddresses: optionalBoolean(
      spec['publishNotReadyAddresses'],
      SPEC.child('publishNotReadyAddresses'),
      problems,
      false,
    ),
    externalName,
  };
  return converted(service, problems);
}

function isAbsentOrEmpty(value: unknown): boolean {
  return isAbsent(value) || (Array.isArray(value) && value.length === 0);
}

function hasEntries(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function parseType(value: unknown, problems: ProblemCollector): ServiceType | undefined {
  if (isAbsent(value) || value === '') return 'ClusterIP';
  if (typeof value === 'string' && (SERVICE_TYPES as readonly string[]).includes(value)) return value as ServiceType;
  problems.error(SPEC.child('type'), `unknown service type ${shownValue(value)} (expected one of ${SERVICE_TYPES.join(', ')})`);
  return undefined;
}

/** undefined: no selector; null: invalid (error recorded). An empty map means no selector. */
function parseSelector(value: unknown, problems: ProblemCollector): StringMap | undefined | null {
  if (isAbsent(value)) return undefined;
  const path = SPEC.child('selector');
  if (!isRecord(value)) {
    problems.error(path, `selector must be a map of strings, got ${describe(value)}`);
    return null;
  }
  const selector: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    const reason =
      typeof entry === 'string' ? (qualifiedNameError(key) ?? labelValueError(entry)) : `selector value must be a string, got ${describe(entry)}`;
    if (reason !== undefined) {
      problems.error(path.child(key), `${reason}; the service is dropped, as leaving the key out would select more pods`);
      return null;
    }
    setEntry(selector, key, entry as string);
  }
  return Object.keys(selector).length === 0 ? undefined : selector;
}

/** undefined: not applicable; null: required and missing (error recorded). */
function parseExternalName(value: unknown, type: ServiceType, problems: ProblemCollector): string | undefined | null {
  if (type !== 'ExternalName') return undefined;
  if (typeof value === 'string' && value !== '') return value;
  problems.error(SPEC.child('externalName'), `an ExternalName service needs externalName, got ${describe(value)}`);
  return null;
}

function parseExternalIPs(value: unknown, problems: ProblemCollector): string[] {
  const path = SPEC.child('externalIPs');
  const result: string[] = [];
  (optionalArray(value, path, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const parsed = parseFrontendIP(entry);
    if (!('ip' in parsed)) {
      problems.error(path.child(index), `external IP dropped: ${parsed.reason}`);
      return;
    }
    if (!result.includes(parsed.ip.text)) result.push(parsed.ip.text);
  });
  return result;
}

function parseTrafficPolicy(value: unknown, path: FieldPath, problems: ProblemCollector): TrafficPolicy {
  if (isAbsent(value) || value === '') return 'Cluster';
  if (value === 'Cluster' || value === 'Local') return value;
  problems.warning(path, `unknown traffic policy ${shownValue(value)} (expected Cluster or Local); using Cluster`);
  return 'Cluster';
}

function parseExternalTrafficPolicy(
  value: unknown,
  type: ServiceType,
  externallyAccessible: boolean,
  problems: ProblemCollector,
): TrafficPolicy {
  const path = SPEC.child('externalTrafficPolicy');
  if (externallyAccessible || isAbsent(value) || value === '') return parseTrafficPolicy(value, path, problems);
  const service = type === 'ClusterIP' ? 'a ClusterIP service without externalIPs' : `an ${type} service`;
  problems.error(
    path,
    `externalTrafficPolicy ${describe(value)} is refused by Kubernetes on ${service}: it may only be set on NodePort, LoadBalancer and ClusterIP services with externalIPs; ignored (this service has no external frontend)`,
  );
  return 'Cluster';
}

function parseSessionAffinity(value: unknown, problems: ProblemCollector): 'None' | 'ClientIP' {
  if (isAbsent(value) || value === '') return 'None';
  if (value === 'None' || value === 'ClientIP') return value;
  problems.warning(SPEC.child('sessionAffinity'), `unknown session affinity ${shownValue(value)}; using None`);
  return 'None';
}

function parseAffinityTimeout(config: unknown, affinity: 'None' | 'ClientIP', problems: ProblemCollector): number {
  if (affinity !== 'ClientIP') return DEFAULT_AFFINITY_TIMEOUT;
  const value = field(field(config, 'clientIP'), 'timeoutSeconds');
  if (isAbsent(value)) return DEFAULT_AFFINITY_TIMEOUT;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_AFFINITY_TIMEOUT) return value;
  problems.warning(
    SPEC.child('sessionAffinityConfig').child('clientIP').child('timeoutSeconds'),
    `timeout must be an integer in 1..${MAX_AFFINITY_TIMEOUT}, got ${describe(value)}; using ${DEFAULT_AFFINITY_TIMEOUT}`,
  );
  return DEFAULT_AFFINITY_TIMEOUT;
}

function parseHealthCheckNodePort(
  value: unknown,
  type: ServiceType,
  externalTrafficPolicy: TrafficPolicy,
  problems: ProblemCollector,
): number | undefined {
  if (isAbsent(value) || value === 0) return undefined;
  const path = SPEC.child('healthCheckNodePort');
  if (type !== 'LoadBalancer' || externalTrafficPolicy !== 'Local') {
    problems.warning(path, 'healthCheckNodePort only applies to LoadBalancer services with externalTrafficPolicy Local; ignored');
    return undefined;
  }
  const parsed = parsePortNumber(value);
  if (!parsed.ok) {
    problems.error(path, `healthCheckNodePort dropped: ${parsed.reason}`);
    return undefined;
  }
  return parsed.value;
}
