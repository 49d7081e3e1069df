import type { Container, ContainerPort, IPFamily, Pod, PodPhase } from '../model/index.js';
import { collectorFor, convertedFresh, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { nonUnicastAddressReason } from './address-rules.js';
import { parseIP } from './ip-parsing.js';
import { POD_FIELDS } from './known-fields.js';
import { parseNamespacedMeta } from './metadata-parsing.js';
import { dnsSubdomainError } from './name-rules.js';
import { ianaServiceNameError, parsePortNumber, parseProtocol } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, field, isAbsent, isRecord, optionalArray, optionalBoolean, optionalString } from './raw-values.js';
import { reportUnknownFields } from './unknown-fields.js';

const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const STATUS = FieldPath.of('status');
const CONTAINERS = FieldPath.of('spec', 'containers');
const HOST_NETWORK = FieldPath.of('spec', 'hostNetwork');
const NODE_NAME = FieldPath.of('spec', 'nodeName');

/**
 * Converts a v1 Pod. Dropped (error) when the API server would refuse what the store indexes
 * the pod by: unusable metadata (name, namespace, any invalid label or annotation: a label
 * left out would change which policies select the pod) or a `spec.nodeName` that is not a
 * DNS-1123 subdomain (it keys the pod under its node). A dropped pod is in no peer set and
 * gets no chain of its own; neither can exist for a pod the API server refuses. Everything
 * else costs the bad part, the way kube-proxy and kube-router keep serving a pod whose status
 * has one odd field:
 *
 * - `status.podIPs` (or, when that is empty, `status.podIP`): an invalid address (including
 *   IPv4-mapped IPv6), or one that cannot be a pod's (unspecified, loopback, link-local,
 *   multicast; see `address-rules.ts`), is dropped (error per entry); a second address of a
 *   family already seen is dropped (warning; Kubernetes allows one per family). A `podIP` that
 *   differs from `podIPs[0]` is a warning and `podIPs` wins.
 * - `status.phase`: missing → `Pending`; unknown → `Unknown` (warning).
 * - `spec.hostNetwork`: default false.
 * - container ports: `containerPort` outside 1..65535 or an unknown protocol drops that port
 *   (error); protocol defaults to TCP; a name that is not an IANA service name is dropped
 *   from the port (error), so no Service or policy can resolve it, and the port kept.
 *   Init containers are ignored.
 * - a container without a name is kept with name `""` (warning): its ports may still be
 *   named by a Service's targetPort.
 *
 * Unknown fields among those read (`nodename`, a typo in a container port) are warnings.
 */
export function convertPod(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('Pod', raw, origin);
  reportUnknownFields(raw, POD_FIELDS, problems);
  const meta = parseNamespacedMeta(raw, problems);
  const spec = field(raw, 'spec');
  const nodeName = parseNodeName(field(spec, 'nodeName'), problems);
  if (!meta || nodeName === null) return dropped(problems);
  const status = field(raw, 'status');
  // The metadata's fields one by one, in the order of its spread, rather than a spread: a
  // spread after another property is a slow generic copy, once per pod of a large list.
  const pod: Pod = {
    kind: 'Pod',
    name: meta.name,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    labels: meta.labels,
    annotations: meta.annotations,
    namespace: meta.namespace,
    key: meta.key,
    nodeName,
    hostNetwork: optionalBoolean(field(spec, 'hostNetwork'), HOST_NETWORK, problems, false),
    phase: parsePhase(field(status, 'phase'), problems),
    podIPs: parsePodIPs(status, problems),
    containers: parseContainers(field(spec, 'containers'), problems),
  };
  // Every object of the pod is made here (labels and annotations by the metadata parser).
  return convertedFresh(pod, problems);
}

/** undefined: not scheduled; null: invalid (error recorded, the pod is dropped). */
function parseNodeName(value: unknown, problems: ProblemCollector): string | undefined | null {
  const path = NODE_NAME;
  const text = nonEmpty(optionalString(value, path, problems));
  if (text === undefined) return undefined;
  const reason = dnsSubdomainError(text);
  if (reason === undefined) return text;
  problems.error(path, `invalid node name: ${reason}; the pod is dropped, as Kubernetes refuses it`);
  return null;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === '' ? undefined : text;
}

function parsePhase(value: unknown, problems: ProblemCollector): PodPhase {
  if (isAbsent(value) || value === '') return 'Pending';
  // The list's own string, not the parsed one: one string kept for every pod's phase.
  for (const phase of PHASES) if (phase === value) return phase;
  problems.warning(STATUS.child('phase'), `unknown phase ${shownValue(value)}; using Unknown`);
  return 'Unknown';
}

function parsePodIPs(status: unknown, problems: ProblemCollector): string[] {
  const podIP = field(status, 'podIP');
  const listed = optionalArray(field(status, 'podIPs'), STATUS.child('podIPs'), problems, 'error') ?? [];
  const result: string[] = [];
  // The addresses of `podIPs`, or `podIP` alone when that is empty; read one by one, with
  // the path of each built only for a problem (this runs once per pod of a large list).
  if (listed.length === 0) {
    if (!isAbsent(podIP) && podIP !== '') addPodIP(result, podIP, -1, problems);
    return result;
  }
  if (!isAbsent(podIP) && podIP !== '' && podIP !== field(listed[0], 'ip')) {
    problems.warning(STATUS.child('podIP'), `podIP ${describe(podIP)} differs from podIPs[0]; using podIPs`);
  }
  for (let index = 0; index < listed.length; index++) addPodIP(result, field(listed[index], 'ip'), index, problems);
  return result;
}

/**
 * Adds one candidate pod address to `result` unless it is invalid, not a unicast address, a
 * repeat, or of a family `result` already holds (one address per family, as Kubernetes allows).
 *
 * @param index its place in `status.podIPs`, or -1 for `status.podIP`
 */
function addPodIP(result: string[], value: unknown, index: number, problems: ProblemCollector): void {
  const parsed = typeof value === 'string' ? parseIP(value) : undefined;
  if (!parsed?.ok) {
    problems.error(podIPPath(index), `pod IP dropped: ${parsed ? parsed.reason : `expected a string, got ${describe(value)}`}`);
    return;
  }
  const special = nonUnicastAddressReason(parsed.value);
  if (special !== undefined) {
    problems.error(podIPPath(index), `pod IP dropped: ${special}, which cannot be a pod's address`);
    return;
  }
  const text = parsed.value.text;
  const family: IPFamily = parsed.value.family;
  for (const kept of result) {
    if (kept === text) return;
  }
  for (const kept of result) {
    // The family of a kept address: the IPv6 ones are those with a colon.
    if ((kept.includes(':') ? 'IPv6' : 'IPv4') !== family) continue;
    problems.warning(podIPPath(index), `pod IP ${text} dropped: the pod already has an ${family} address`);
    return;
  }
  result.push(text);
}

/** The field of a candidate pod address: `status.podIPs[index].ip`, or `status.podIP` for -1. */
function podIPPath(index: number): FieldPath {
  return index < 0 ? STATUS.child('podIP') : STATUS.child('podIPs').child(index).child('ip');
}

function parseContainers(value: unknown, problems: ProblemCollector): Container[] {
  const containers: Container[] = [];
  (optionalArray(value, CONTAINERS, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const path = CONTAINERS.child(index);
    if (!isRecord(entry)) {
      problems.error(path, `container must be an object, got ${describe(entry)}`);
      return;
    }
    let name = optionalString(entry['name'], path.child('name'), problems);
    if (name === undefined || name === '') {
      problems.warning(path.child('name'), 'container has no name; kept as ""');
      name = '';
    }
    containers.push({ name, ports: parseContainerPorts(entry['ports'], path.child('ports'), problems) });
  });
  return containers;
}

function parseContainerPorts(value: unknown, path: FieldPath, problems: ProblemCollector): ContainerPort[] {
  const ports: ContainerPort[] = [];
  (optionalArray(value, path, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const portPath = path.child(index);
    if (!isRecord(entry)) {
      problems.error(portPath, `port must be an object, got ${describe(entry)}`);
      return;
    }
    const number = parsePortNumber(entry['containerPort']);
    if (!number.ok) {
      problems.error(portPath.child('containerPort'), `port dropped: ${number.reason}`);
      return;
    }
    const protocol = parseProtocol(entry['protocol']);
    if (!protocol.ok) {
      problems.error(portPath.child('protocol'), `port dropped: ${protocol.reason}`);
      return;
    }
    let name = optionalString(entry['name'], portPath.child('name'), problems);
    const nameReason = name === undefined || name === '' ? undefined : ianaServiceNameError(name);
    if (nameReason !== undefined) {
      problems.error(portPath.child('name'), `port name dropped: ${nameReason}; the port is kept without a name`);
      name = undefined;
    }
    // Literals rather than a spread of an optional `name`: a spread is a slow copy per port.
    ports.push(name ? { name, containerPort: number.value, protocol: protocol.value } : { containerPort: number.value, protocol: protocol.value });
  });
  return ports;
}
