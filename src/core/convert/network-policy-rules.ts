import type { IPBlock, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule } from '../model/index.js';
import type { FieldPath } from './field-path.js';
import { isStrictSubnet, parseCIDR, type ParsedCIDR } from './ip-parsing.js';
import { parseLabelSelector } from './label-selector-parsing.js';
import { parsePortNumber, parsePortReference, parseProtocol } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, isAbsent, isRecord, optionalArray } from './raw-values.js';

/**
 * Reads the `ingress` or `egress` rules of a NetworkPolicy. Returns undefined after recording
 * errors when any part is invalid: the caller drops the whole policy. A partial rule cannot
 * be kept safely: a rule without its bad peer allows fewer sources than written, a rule without
 * its bad port allows *more* ports (an empty port list means all ports), and a policy without
 * its bad rule may isolate pods that the author meant to open. Only dropping the policy keeps
 * the cluster in a state someone wrote.
 */
export function parseRules(
  value: unknown,
  path: FieldPath,
  peersKey: 'from' | 'to',
  problems: ProblemCollector,
): NetworkPolicyRule[] | undefined {
  const entries = optionalArray(value, path, problems, 'error');
  if (!entries) return undefined;
  const mark = problems.errorCount;
  const rules: NetworkPolicyRule[] = [];
  entries.forEach((entry: unknown, index) => {
    const rulePath = path.child(index);
    if (!isRecord(entry)) {
      problems.error(rulePath, `rule must be an object, got ${describe(entry)}`);
      return;
    }
    const peers = parsePeers(entry[peersKey], rulePath.child(peersKey), problems);
    const ports = parsePorts(entry['ports'], rulePath.child('ports'), problems);
    if (peers && ports) rules.push({ peers, ports });
  });
  return problems.errorsSince(mark) ? undefined : rules;
}

function parsePeers(value: unknown, path: FieldPath, problems: ProblemCollector): NetworkPolicyPeer[] | undefined {
  const entries = optionalArray(value, path, problems, 'error');
  if (!entries) return undefined;
  const mark = problems.errorCount;
  const peers: NetworkPolicyPeer[] = [];
  entries.forEach((entry: unknown, index) => {
    const peer = parsePeer(entry, path.child(index), problems);
    if (peer) peers.push(peer);
  });
  return problems.errorsSince(mark) ? undefined : peers;
}

function parsePeer(value: unknown, path: FieldPath, problems: ProblemCollector): NetworkPolicyPeer | undefined {
  if (!isRecord(value)) {
    problems.error(path, `peer must be an object, got ${describe(value)}`);
    return undefined;
  }
  const { podSelector, namespaceSelector, ipBlock } = value;
  const hasSelector = !isAbsent(podSelector) || !isAbsent(namespaceSelector);
  if (!isAbsent(ipBlock)) {
    if (hasSelector) {
      problems.error(path, 'a peer may have ipBlock or selectors, not both');
      return undefined;
    }
    const block = parseIPBlock(ipBlock, path.child('ipBlock'), problems);
    return block ? { ipBlock: block } : undefined;
  }
  if (!hasSelector) {
    problems.error(path, 'an empty peer selects nothing Kubernetes accepts: it needs podSelector, namespaceSelector or ipBlock');
    return undefined;
  }
  const mark = problems.errorCount;
  const pods = isAbsent(podSelector) ? undefined : parseLabelSelector(podSelector, path.child('podSelector'), problems);
  const namespaces = isAbsent(namespaceSelector)
    ? undefined
    : parseLabelSelector(namespaceSelector, path.child('namespaceSelector'), problems);
  if (problems.errorsSince(mark)) return undefined;
  return { ...(pods ? { podSelector: pods } : {}), ...(namespaces ? { namespaceSelector: namespaces } : {}) };
}

/**
 * `ipBlock`: `cidr` must parse; host bits are normalised with a warning (Kubernetes accepted
 * such CIDRs for years and kube-router programs the network). Each `except` must parse and be a
 * strict subnet of `cidr`.
 */
function parseIPBlock(value: unknown, path: FieldPath, problems: ProblemCollector): IPBlock | undefined {
  if (!isRecord(value)) {
    problems.error(path, `ipBlock must be an object, got ${describe(value)}`);
    return undefined;
  }
  const cidr = readCIDR(value['cidr'], path.child('cidr'), problems);
  if (!cidr) return undefined;
  const exceptPath = path.child('except');
  const entries = optionalArray(value['except'], exceptPath, problems, 'error');
  if (!entries) return undefined;
  const except: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const hole = readCIDR(entry, exceptPath.child(index), problems);
    if (!hole) return undefined;
    if (!isStrictSubnet(hole, cidr)) {
      problems.error(exceptPath.child(index), `except ${hole.text} is not a strict subnet of cidr ${cidr.text}`);
      return undefined;
    }
    if (!except.includes(hole.text)) except.push(hole.text);
  }
  return { cidr: cidr.text, except };
}

function readCIDR(value: unknown, path: FieldPath, problems: ProblemCollector): ParsedCIDR | undefined {
  const parsed = typeof value === 'string' ? parseCIDR(value) : undefined;
  if (!parsed?.ok) {
    problems.error(path, parsed ? parsed.reason : `expected a CIDR string, got ${describe(value)}`);
    return undefined;
  }
  if (parsed.value.hadHostBits) problems.warning(path, `"${String(value)}" has host bits set; using ${parsed.value.text}`);
  return parsed.value;
}

function parsePorts(value: unknown, path: FieldPath, problems: ProblemCollector): NetworkPolicyPort[] | undefined {
  const entries = optionalArray(value, path, problems, 'error');
  if (!entries) return undefined;
  const mark = problems.errorCount;
  const ports: NetworkPolicyPort[] = [];
  entries.forEach((entry: unknown, index) => {
    const port = parsePort(entry, path.child(index), problems);
    if (port) ports.push(port);
  });
  return problems.errorsSince(mark) ? undefined : ports;
}

function parsePort(value: unknown, path: FieldPath, problems: ProblemCollector): NetworkPolicyPort | undefined {
  if (!isRecord(value)) {
    problems.error(path, `port must be an object, got ${describe(value)}`);
    return undefined;
  }
  const protocol = parseProtocol(value['protocol']);
  if (!protocol.ok) {
    problems.error(path.child('protocol'), protocol.reason);
    return undefined;
  }
  const rawPort = value['port'];
  const rawEndPort = value['endPort'];
  if (isAbsent(rawPort)) {
    if (!isAbsent(rawEndPort)) {
      problems.error(path.child('endPort'), 'endPort needs a numeric port');
      return undefined;
    }
    return { protocol: protocol.value };
  }
  const port = parsePortReference(rawPort);
  if (!port.ok) {
    problems.error(path.child('port'), port.reason);
    return undefined;
  }
  if (isAbsent(rawEndPort)) return { protocol: protocol.value, port: port.value };
  if (typeof port.value === 'string') {
    problems.error(path.child('endPort'), `endPort cannot be used with the named port "${port.value}"`);
    return undefined;
  }
  const endPort = parsePortNumber(rawEndPort);
  if (!endPort.ok) {
    problems.error(path.child('endPort'), `endPort: ${endPort.reason}`);
    return undefined;
  }
  if (endPort.value < port.value) {
    problems.error(path.child('endPort'), `endPort ${endPort.value} is below port ${port.value}`);
    return undefined;
  }
  return { protocol: protocol.value, port: port.value, endPort: endPort.value };
}
