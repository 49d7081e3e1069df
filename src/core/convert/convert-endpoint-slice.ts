import {
  SERVICE_NAME_LABEL,
  namespacedKey,
  type Endpoint,
  type EndpointAddressType,
  type EndpointConditions,
  type EndpointPort,
  type EndpointSlice,
} from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { nonUnicastAddressReason } from './address-rules.js';
import { FieldPath } from './field-path.js';
import { parseIP } from './ip-parsing.js';
import { ENDPOINT_SLICE_FIELDS } from './known-fields.js';
import { parseNamespacedMeta } from './metadata-parsing.js';
import { dnsLabelError, dnsSubdomainError } from './name-rules.js';
import { parsePortNumber, parseProtocol } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, field, isAbsent, isRecord, optionalArray, optionalString, quote } from './raw-values.js';
import { parseAppProtocol } from './service-ports-parsing.js';
import { reportUnknownFields } from './unknown-fields.js';

const ADDRESS_TYPES: readonly EndpointAddressType[] = ['IPv4', 'IPv6', 'FQDN'];
const ENDPOINTS = FieldPath.of('endpoints');
const PORTS = FieldPath.of('ports');

/**
 * Converts a discovery.k8s.io/v1 EndpointSlice. Dropped (error) when the metadata is
 * unusable (as for every kind: name, namespace, labels, annotations), the
 * `kubernetes.io/service-name` label is missing or is not a service name (a DNS-1123 label: it
 * keys the slice under its service, so `web\u0000x` must never reach that index), or
 * `addressType` is missing or unknown.
 *
 * Per part, as kube-proxy filters endpoints:
 * - an address that is not an IP of the slice's family (an IPv6 address in an IPv4 slice, an
 *   IPv4-mapped address, garbage), or one Kubernetes refuses as an endpoint (unspecified,
 *   loopback, link-local such as 169.254.169.254; multicast too, see `address-rules.ts`), is
 *   dropped (error); an endpoint left with no address is dropped (error);
 * - an endpoint whose `nodeName` is not a DNS-1123 subdomain is dropped (error): which node it
 *   is local to cannot be known; a `hostname` that is not a DNS-1123 label is dropped from
 *   the endpoint (error); a `targetRef` whose name or namespace is invalid gives no `podKey`
 *   (error);
 * - conditions resolve as Kubernetes documents: `ready` unset → true, `serving` unset →
 *   `ready`, `terminating` unset → false; a non-boolean counts as unset (warning);
 * - a `targetRef` of kind Pod gives `podKey` `namespace/name`, the namespace defaulting to the
 *   slice's;
 * - a port whose name is not a DNS-1123 label, outside 1..65535 or with an unknown protocol
 *   (default TCP) is dropped (error); a port without a number (which the API reads as "all
 *   ports") is dropped with a warning, as kube-proxy skips it; a repeated port name drops the
 *   later port (error); names default to ""; an invalid `appProtocol` is dropped (error).
 *
 * FQDN slices are kept with their ports but no endpoints: nothing in node networking routes
 * to a hostname, and an empty list keeps planners from mistaking names for addresses.
 * Unknown fields are warnings.
 */
export function convertEndpointSlice(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('EndpointSlice', raw, origin);
  reportUnknownFields(raw, ENDPOINT_SLICE_FIELDS, problems);
  const meta = parseNamespacedMeta(raw, problems);
  if (!meta) return dropped(problems);
  const serviceName = meta.labels[SERVICE_NAME_LABEL];
  const labelPath = FieldPath.of('metadata', 'labels', SERVICE_NAME_LABEL);
  if (serviceName === undefined || serviceName === '') {
    problems.error(labelPath, `label ${SERVICE_NAME_LABEL} is missing; the slice belongs to no service`);
    return dropped(problems);
  }
  const serviceNameReason = dnsLabelError(serviceName);
  if (serviceNameReason !== undefined) {
    problems.error(labelPath, `${serviceNameReason}, so it names no service; the slice is dropped`);
    return dropped(problems);
  }
  const rawType = field(raw, 'addressType');
  if (typeof rawType !== 'string' || !(ADDRESS_TYPES as readonly string[]).includes(rawType)) {
    const message = isAbsent(rawType) ? 'addressType is missing' : `unknown addressType ${shownValue(rawType)}`;
    problems.error('addressType', `${message} (expected one of ${ADDRESS_TYPES.join(', ')})`);
    // The ports are still read, so their flaws are reported along with this one.
    parsePorts(field(raw, 'ports'), problems);
    return dropped(problems);
  }
  const addressType = rawType as EndpointAddressType;
  const endpoints = addressType === 'FQDN' ? [] : parseEndpoints(field(raw, 'endpoints'), addressType, meta.namespace, problems);
  const slice: EndpointSlice = {
    kind: 'EndpointSlice',
    ...meta,
    serviceName,
    addressType,
    endpoints,
    ports: parsePorts(field(raw, 'ports'), problems),
  };
  return converted(slice, problems);
}

function parseEndpoints(value: unknown, family: 'IPv4' | 'IPv6', namespace: string, problems: ProblemCollector): Endpoint[] {
  const endpoints: Endpoint[] = [];
  (optionalArray(value, ENDPOINTS, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const path = ENDPOINTS.child(index);
    if (!isRecord(entry)) {
      problems.error(path, `endpoint dropped: expected an object, got ${describe(entry)}`);
      return;
    }
    const addresses = parseAddresses(entry['addresses'], family, path.child('addresses'), problems);
    if (addresses.length === 0) {
      problems.error(path.child('addresses'), `endpoint dropped: no valid ${family} address`);
      return;
    }
    const nodeName = optionalString(entry['nodeName'], path.child('nodeName'), problems) || undefined;
    const nodeNameReason = nodeName === undefined ? undefined : dnsSubdomainError(nodeName);
    if (nodeNameReason !== undefined) {
      problems.error(path.child('nodeName'), `endpoint dropped: invalid node name: ${nodeNameReason}`);
      return;
    }
    const endpoint: Endpoint = {
      addresses,
      conditions: parseConditions(entry['conditions'], path.child('conditions'), problems),
      nodeName,
      zone: optionalString(entry['zone'], path.child('zone'), problems) || undefined,
      hostname: parseHostname(entry['hostname'], path.child('hostname'), problems),
      podKey: podKeyOf(entry['targetRef'], namespace, path.child('targetRef'), problems),
    };
    endpoints.push(endpoint);
  });
  return endpoints;
}

function parseAddresses(value: unknown, family: 'IPv4' | 'IPv6', path: FieldPath, problems: ProblemCollector): string[] {
  const addresses: string[] = [];
  (optionalArray(value, path, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const parsed = typeof entry === 'string' ? parseIP(entry) : undefined;
    if (!parsed?.ok) {
      problems.error(path.child(index), `address dropped: ${parsed ? parsed.reason : `expected a string, got ${describe(entry)}`}`);
      return;
    }
    const special = nonUnicastAddressReason(parsed.value);
    if (parsed.value.family !== family) {
      problems.error(path.child(index), `address dropped: ${parsed.value.text} is ${parsed.value.family} but the slice's addressType is ${family}`);
    } else if (special !== undefined) {
      problems.error(path.child(index), `address dropped: ${special}, which cannot be an endpoint`);
    } else if (!addresses.includes(parsed.value.text)) {
      addresses.push(parsed.value.text);
    }
  });
  return addresses;
}

function parseConditions(value: unknown, path: FieldPath, problems: ProblemCollector): EndpointConditions {
  const read = (key: string): boolean | undefined => {
    const condition = field(value, key);
    if (isAbsent(condition)) return undefined;
    if (typeof condition === 'boolean') return condition;
    problems.warning(path.child(key), `expected a boolean, got ${describe(condition)}; treated as unset`);
    return undefined;
  };
  if (!isAbsent(value) && !isRecord(value)) problems.warning(path, `expected an object, got ${describe(value)}; treated as unset`);
  const ready = read('ready') ?? true;
  return { ready, serving: read('serving') ?? ready, terminating: read('terminating') ?? false };
}

function parseHostname(value: unknown, path: FieldPath, problems: ProblemCollector): string | undefined {
  const hostname = optionalString(value, path, problems) || undefined;
  const reason = hostname === undefined ? undefined : dnsLabelError(hostname);
  if (reason === undefined) return hostname;
  problems.error(path, `hostname dropped: ${reason}`);
  return undefined;
}

/** `namespace/name` of the pod a `targetRef` names, when it names a pod validly. */
function podKeyOf(targetRef: unknown, sliceNamespace: string, path: FieldPath, problems: ProblemCollector): string | undefined {
  if (field(targetRef, 'kind') !== 'Pod') return undefined;
  const name = field(targetRef, 'name');
  if (typeof name !== 'string' || name === '') return undefined;
  const rawNamespace = field(targetRef, 'namespace');
  const namespace = typeof rawNamespace === 'string' && rawNamespace !== '' ? rawNamespace : sliceNamespace;
  const reason = dnsSubdomainError(name) ?? dnsLabelError(namespace);
  if (reason === undefined) return namespacedKey(namespace, name);
  problems.error(path, `targetRef ignored: ${reason}; the endpoint is kept without its pod`);
  return undefined;
}

function parsePorts(value: unknown, problems: ProblemCollector): EndpointPort[] {
  const ports: EndpointPort[] = [];
  (optionalArray(value, PORTS, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const path = PORTS.child(index);
    if (!isRecord(entry)) {
      problems.error(path, `port dropped: expected an object, got ${describe(entry)}`);
      return;
    }
    const rawName = entry['name'];
    if (!isAbsent(rawName) && typeof rawName !== 'string') {
      problems.error(path.child('name'), `port dropped: name must be a string, got ${describe(rawName)}`);
      return;
    }
    const name = rawName ?? '';
    const nameReason = name === '' ? undefined : dnsLabelError(name);
    if (nameReason !== undefined) {
      problems.error(path.child('name'), `port dropped: invalid port name: ${nameReason}`);
      return;
    }
    if (isAbsent(entry['port'])) {
      problems.warning(path.child('port'), 'port dropped: no port number ("all ports" is not supported)');
      return;
    }
    const number = parsePortNumber(entry['port']);
    if (!number.ok) {
      problems.error(path.child('port'), `port dropped: ${number.reason}`);
      return;
    }
    const protocol = parseProtocol(entry['protocol']);
    if (!protocol.ok) {
      problems.error(path.child('protocol'), `port dropped: ${protocol.reason}`);
      return;
    }
    if (ports.some((other) => other.name === name)) {
      problems.error(path.child('name'), `port dropped: duplicate port name ${quote(name)}`);
      return;
    }
    const appProtocol = parseAppProtocol(entry['appProtocol'], path.child('appProtocol'), problems);
    ports.push({ name, port: number.value, protocol: protocol.value, ...(appProtocol ? { appProtocol } : {}) });
  });
  return ports;
}
