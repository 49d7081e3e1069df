import type { IPBlock, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule } from '../model/index.js';
import type { FieldPath } from './field-path.js';
import { isStrictSubnet, parseCIDR, type ParsedCIDR } from './ip-parsing.js';
import { parseLabelSelector } from './label-selector-parsing.js';
import { parsePortNumber, parsePortReference, parseProtocol } from './port-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, isAbsent, isRecord, optionalArray, quote } from './raw-values.js';

/**
 * Reads the `ingress` or `egress` rules of a NetworkPolicy. Fails closed: a rule with any
 * flaw is dropped as a whole (error at the flaw, naming the rule), the other rules are kept,
 * and the policy stays in force, so the pods it selects stay isolated and only the bad rule's
 * traffic is refused. Rules are ORed allow lists, so leaving one out can only allow less.
 *
 * A part of a rule is never dropped on its own, because that can allow more than was
 * written: a rule without its bad port allows every port when no other port is left (an
 * empty port list means all ports), and one without its bad peer allows every source when no
 * other peer is left.
 *
 * A rule is invalid, as the API server finds it, when: it is not an object; its peer or port
 * list is not a list; a peer is not an object, is empty, or mixes `ipBlock` with a selector; a
 * selector is invalid (see `parseLabelSelector`); an `ipBlock` has a `cidr` that does not
 * parse, or an `except` that does not parse or is not strictly inside the `cidr`; a port has
 * an unknown protocol (default TCP), a `port` neither 1..65535 nor an IANA service name, or an
 * `endPort` that is out of range, below `port`, or given with a named or absent `port`.
 * An `ipBlock` CIDR with host bits set is normalised with a warning, not an error.
 *
 * A value that is not a list at all drops every rule of the direction (error): the
 * direction stays isolated with no rule allowing anything.
 */
export function parseRules(value: unknown, path: FieldPath, peersKey: 'from' | 'to', problems: ProblemCollector): NetworkPolicyRule[] {
  const listProblems = problems.rewordingErrors(
    (message) => `${message}; no ${path.toString()} rule is kept, so the selected pods stay isolated with nothing allowed by this policy`,
  );
  const entries = optionalArray(value, path, listProblems, 'error');
  if (!entries) return [];
  const rules: NetworkPolicyRule[] = [];
  entries.forEach((entry: unknown, index) => {
    const rulePath = path.child(index);
    const ruleProblems = problems.rewordingErrors(
      (message) => `${message}; the whole rule ${rulePath.toString()} is dropped (the policy and its other rules stay in force, so its pods stay isolated)`,
    );
    const rule = parseRule(entry, rulePath, peersKey, ruleProblems);
    if (rule) rules.push(rule);
  });
  return rules;
}

function parseRule(entry: unknown, path: FieldPath, peersKey: 'from' | 'to', problems: ProblemCollector): NetworkPolicyRule | undefined {
  if (!isRecord(entry)) {
    problems.error(path, `rule must be an object, got ${describe(entry)}`);
    return undefined;
  }
  const mark = problems.errorCount;
  const peers = parseList(entry[peersKey], path.child(peersKey), problems, parsePeer);
  const ports = parseList(entry['ports'], path.child('ports'), problems, parsePort);
  return problems.errorsSince(mark) ? undefined : { peers, ports };
}

/** Every entry of a list; the caller drops the rule when any entry (or the list) was bad. */
function parseList<T>(
  value: unknown,
  path: FieldPath,
  problems: ProblemCollector,
  parseEntry: (entry: unknown, path: FieldPath, problems: ProblemCollector) => T | undefined,
): T[] {
  const result: T[] = [];
  (optionalArray(value, path, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const parsed = parseEntry(entry, path.child(index), problems);
    if (parsed !== undefined) result.push(parsed);
  });
  return result;
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
    problems.error(path, 'an empty peer is refused by Kubernetes: it needs podSelector, namespaceSelector or ipBlock');
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
 * such CIDRs for years and kube-router programs the network). Each `except` must parse and be
 * a strict subnet of `cidr`.
 */
function parseIPBlock(value: unknown, path: FieldPath, problems: ProblemCollector): IPBlock | undefined {
  if (!isRecord(value)) {
    problems.error(path, `ipBlock must be an object, got ${describe(value)}`);
    return undefined;
  }
  const mark = problems.errorCount;
  const cidr = readCIDR(value['cidr'], path.child('cidr'), problems);
  const exceptPath = path.child('except');
  const except: string[] = [];
  (optionalArray(value['except'], exceptPath, problems, 'error') ?? []).forEach((entry: unknown, index) => {
    const hole = readCIDR(entry, exceptPath.child(index), problems);
    if (!hole || !cidr) return;
    if (!isStrictSubnet(hole, cidr)) {
      problems.error(exceptPath.child(index), `except ${hole.text} is not a strict subnet of cidr ${cidr.text}`);
    } else if (!except.includes(hole.text)) {
      except.push(hole.text);
    }
  });
  return cidr && !problems.errorsSince(mark) ? { cidr: cidr.text, except } : undefined;
}

function readCIDR(value: unknown, path: FieldPath, problems: ProblemCollector): ParsedCIDR | undefined {
  const parsed = typeof value === 'string' ? parseCIDR(value) : undefined;
  if (!parsed?.ok) {
    problems.error(path, parsed ? parsed.reason : `expected a CIDR string, got ${describe(value)}`);
    return undefined;
  }
  if (parsed.value.hadHostBits) problems.warning(path, `${quote(String(value))} has host bits set; using ${parsed.value.text}`);
  return parsed.value;
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
    problems.error(path.child('endPort'), `endPort cannot be used with the named port ${quote(port.value)}`);
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
