import type { IPFamily, Node } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { isWholeFamily } from './address-rules.js';
import { parseCIDR, parseIP } from './ip-parsing.js';
import { NODE_FIELDS } from './known-fields.js';
import { parseClusterMeta } from './metadata-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord, optionalArray, optionalBoolean, optionalString, quote } from './raw-values.js';
import { reportUnknownFields } from './unknown-fields.js';

const ADDRESSES = FieldPath.of('status', 'addresses');
const POD_CIDR = FieldPath.of('spec', 'podCIDR');
const POD_CIDRS = FieldPath.of('spec', 'podCIDRs');

/**
 * Converts a v1 Node. The node is dropped only when its metadata is unusable (a name that is
 * not a DNS-1123 subdomain, an invalid label or annotation, as the API server refuses them);
 * every other flaw costs just the bad part, because a node with one broken address still
 * routes:
 *
 * - `status.addresses`: an InternalIP/ExternalIP that is not a valid IP is dropped (error per
 *   address); duplicates are dropped silently; the first `Hostname` entry becomes `hostname`;
 *   other address types (InternalDNS, ExternalDNS) are ignored.
 * - `spec.podCIDRs` / `spec.podCIDR`: an invalid CIDR, or one with host bits set
 *   (`10.1.1.5/24`, which Kubernetes rejects), or one that covers a whole family (`0.0.0.0/0`,
 *   `::/0`: a route to it would send every address to this node), is dropped (error per
 *   CIDR); whether CIDRs of different nodes overlap is checked elsewhere; a second CIDR of a
 *   family already present is dropped (warning), since a node has one pod CIDR per family;
 *   a `podCIDR` missing from `podCIDRs` is put first, as it is the primary one.
 * - `spec.unschedulable`: default false.
 *
 * Unknown fields of `spec`, of the addresses, and field names of `status` that differ from
 * `addresses` only by case, are warnings.
 */
export function convertNode(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('Node', raw, origin);
  reportUnknownFields(raw, NODE_FIELDS, problems);
  const meta = parseClusterMeta(raw, problems);
  if (!meta) return dropped(problems);
  const spec = field(raw, 'spec');
  const addresses = parseAddresses(field(field(raw, 'status'), 'addresses'), problems);
  const podCIDRs = parsePodCIDRs(field(spec, 'podCIDR'), field(spec, 'podCIDRs'), problems);
  const node: Node = {
    kind: 'Node',
    ...meta,
    internalIPs: addresses.internalIPs,
    externalIPs: addresses.externalIPs,
    hostname: addresses.hostname,
    podCIDR: podCIDRs[0],
    podCIDRs,
    unschedulable: optionalBoolean(field(spec, 'unschedulable'), FieldPath.of('spec', 'unschedulable'), problems, false),
  };
  return converted(node, problems);
}

interface NodeAddresses {
  internalIPs: string[];
  externalIPs: string[];
  hostname?: string | undefined;
}

function parseAddresses(value: unknown, problems: ProblemCollector): NodeAddresses {
  const result: NodeAddresses = { internalIPs: [], externalIPs: [] };
  const entries = optionalArray(value, ADDRESSES, problems, 'error') ?? [];
  entries.forEach((entry: unknown, index) => {
    const path = ADDRESSES.child(index);
    if (!isRecord(entry)) {
      problems.error(path, `address must be an object, got ${describe(entry)}`);
      return;
    }
    const type = optionalString(entry['type'], path.child('type'), problems);
    const address = entry['address'];
    if (type === 'Hostname') {
      if (typeof address === 'string' && address !== '') result.hostname ??= address;
      return;
    }
    if (type !== 'InternalIP' && type !== 'ExternalIP') return;
    const parsed = typeof address === 'string' ? parseIP(address) : undefined;
    if (!parsed?.ok) {
      problems.error(path.child('address'), `${type} dropped: ${parsed ? parsed.reason : `expected a string, got ${describe(address)}`}`);
      return;
    }
    const list = type === 'InternalIP' ? result.internalIPs : result.externalIPs;
    if (!list.includes(parsed.value.text)) list.push(parsed.value.text);
  });
  return result;
}

function parsePodCIDRs(podCIDR: unknown, podCIDRs: unknown, problems: ProblemCollector): string[] {
  const candidates: { value: unknown; path: FieldPath }[] = [];
  if (!isAbsent(podCIDR) && podCIDR !== '') candidates.push({ value: podCIDR, path: POD_CIDR });
  (optionalArray(podCIDRs, POD_CIDRS, problems, 'error') ?? []).forEach((value, index) => {
    // The same text in both fields is one CIDR: report a flaw in it once.
    if (value !== podCIDR) candidates.push({ value, path: POD_CIDRS.child(index) });
  });
  const result: string[] = [];
  const families = new Set<IPFamily>();
  for (const { value, path } of candidates) {
    const parsed = typeof value === 'string' ? parseCIDR(value) : undefined;
    if (!parsed?.ok) {
      problems.error(path, `pod CIDR dropped: ${parsed ? parsed.reason : `expected a string, got ${describe(value)}`}`);
      continue;
    }
    if (parsed.value.hadHostBits) {
      problems.error(path, `pod CIDR dropped: ${quote(String(value))} has host bits set (network is ${parsed.value.text})`);
      continue;
    }
    if (isWholeFamily(parsed.value)) {
      problems.error(path, `pod CIDR dropped: ${parsed.value.text} covers every ${parsed.value.family} address, so no other node could have pods`);
      continue;
    }
    if (result.includes(parsed.value.text)) continue;
    if (families.has(parsed.value.family)) {
      problems.warning(path, `pod CIDR ${parsed.value.text} dropped: the node already has an ${parsed.value.family} pod CIDR`);
      continue;
    }
    families.add(parsed.value.family);
    result.push(parsed.value.text);
  }
  return result;
}
