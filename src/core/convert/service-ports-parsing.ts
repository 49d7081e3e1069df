import type { ServicePort, ServiceType } from '../model/index.js';
import { FieldPath } from './field-path.js';
import { dnsLabelError, qualifiedNameError } from './name-rules.js';
import { parsePortNumber, parsePortReference, parseProtocol } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, isAbsent, isRecord, optionalArray, optionalString, quote } from './raw-values.js';

const PORTS = FieldPath.of('spec', 'ports');

/**
 * Reads `spec.ports`. Each flawed port is dropped on its own (error), leaving the others
 * programmable, as kube-proxy skips a port it cannot use:
 *
 * - a `name` that is not a DNS-1123 label (the rule Kubernetes applies to service port names;
 *   the name becomes part of plan keys, so it must never carry `;`, a newline or a NUL);
 * - `port` outside 1..65535, an unknown protocol (default TCP), a `targetPort` that is neither
 *   1..65535 nor an IANA service name (0 or absent means "same as port");
 * - a second port with the same (port, protocol), or the same name;
 * - a port without a name when the service has more than one port (names tie service ports
 *   to EndpointSlice ports, so an unnamed one among several is ambiguous).
 *
 * `nodePort` costs only itself: outside 1..65535 it is dropped with an error (the port still
 * serves its cluster IP); on a ClusterIP or ExternalName service it is ignored with a warning;
 * one repeated for the same protocol is dropped with an error. Values outside 30000-32767 are
 * fine: clusters can configure another node port range. An `appProtocol` that is not a
 * qualified name is dropped from the port (error).
 */
export function parseServicePorts(value: unknown, type: ServiceType, problems: ProblemCollector): ServicePort[] {
  const entries = optionalArray(value, PORTS, problems, 'error') ?? [];
  const several = entries.length > 1;
  const ports: ServicePort[] = [];
  const usedNodePorts = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const path = PORTS.child(index);
    const port = parseOnePort(entry, path, several, ports, problems);
    if (!port) return;
    const nodePort = parseNodePort(isRecord(entry) ? entry['nodePort'] : undefined, path.child('nodePort'), type, problems);
    let keptNodePort = nodePort;
    if (nodePort !== undefined) {
      const key = `${nodePort}/${port.protocol}`;
      if (usedNodePorts.has(key)) {
        problems.error(path.child('nodePort'), `nodePort ${nodePort}/${port.protocol} is already used by another port; nodePort dropped`);
        keptNodePort = undefined;
      } else {
        usedNodePorts.add(key);
      }
    }
    ports.push({ ...port, ...(keptNodePort !== undefined ? { nodePort: keptNodePort } : {}) });
  });
  return ports;
}

function parseOnePort(
  entry: unknown,
  path: FieldPath,
  several: boolean,
  earlier: readonly ServicePort[],
  problems: ProblemCollector,
): Omit<ServicePort, 'nodePort'> | undefined {
  if (!isRecord(entry)) {
    problems.error(path, `port dropped: expected an object, got ${describe(entry)}`);
    return undefined;
  }
  const rawName = entry['name'];
  if (!isAbsent(rawName) && typeof rawName !== 'string') {
    problems.error(path.child('name'), `port dropped: name must be a string, got ${describe(rawName)}`);
    return undefined;
  }
  const name = rawName ?? '';
  const nameReason = name === '' ? undefined : dnsLabelError(name);
  if (nameReason !== undefined) {
    problems.error(path.child('name'), `port dropped: invalid port name: ${nameReason}`);
    return undefined;
  }
  if (several && name === '') {
    problems.error(path.child('name'), 'port dropped: a service with several ports must name each of them');
    return undefined;
  }
  const protocol = parseProtocol(entry['protocol']);
  if (!protocol.ok) {
    problems.error(path.child('protocol'), `port dropped: ${protocol.reason}`);
    return undefined;
  }
  const number = parsePortNumber(entry['port']);
  if (!number.ok) {
    problems.error(path.child('port'), `port dropped: ${number.reason}`);
    return undefined;
  }
  if (name !== '' && earlier.some((other) => other.name === name)) {
    problems.error(path.child('name'), `port dropped: duplicate port name ${quote(name)}`);
    return undefined;
  }
  if (earlier.some((other) => other.port === number.value && other.protocol === protocol.value)) {
    problems.error(path.child('port'), `port dropped: duplicate port ${number.value}/${protocol.value}`);
    return undefined;
  }
  const rawTarget = entry['targetPort'];
  let targetPort: number | string = number.value;
  if (!isAbsent(rawTarget) && rawTarget !== 0 && rawTarget !== '') {
    const target = parsePortReference(rawTarget);
    if (!target.ok) {
      problems.error(path.child('targetPort'), `port dropped: ${target.reason}`);
      return undefined;
    }
    targetPort = target.value;
  }
  const appProtocol = parseAppProtocol(entry['appProtocol'], path.child('appProtocol'), problems);
  return { name, protocol: protocol.value, port: number.value, targetPort, ...(appProtocol ? { appProtocol } : {}) };
}

/**
 * `appProtocol` of a service or EndpointSlice port: a qualified name (`http`,
 * `kubernetes.io/h2c`). Anything else is dropped (error) and the port kept.
 */
export function parseAppProtocol(value: unknown, path: FieldPath, problems: ProblemCollector): string | undefined {
  const text = optionalString(value, path, problems);
  if (text === undefined || text === '') return undefined;
  const reason = qualifiedNameError(text);
  if (reason === undefined) return text;
  problems.error(path, `appProtocol dropped: ${reason}`);
  return undefined;
}

function parseNodePort(value: unknown, path: FieldPath, type: ServiceType, problems: ProblemCollector): number | undefined {
  if (isAbsent(value) || value === 0) return undefined;
  if (type === 'ClusterIP' || type === 'ExternalName') {
    problems.warning(path, `nodePort is ignored on a ${type} service`);
    return undefined;
  }
  const parsed = parsePortNumber(value);
  if (!parsed.ok) {
    problems.error(path, `nodePort dropped: ${parsed.reason}`);
    return undefined;
  }
  return parsed.value;
}
