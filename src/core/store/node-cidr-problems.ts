import ipaddr from 'ipaddr.js';
import type { IPFamily, Node, Problem, ProblemSeverity } from '../model/index.js';
import { ipFamilyOf } from '../model/ip-family.js';
import { objectRef } from './index-keys.js';
import type { TableViews } from './store-tables.js';

/** Conflicting nodes named in one message before the rest are counted. */
const NAMED_CONFLICTS = 3;

/** One pod CIDR of one node, as a numeric range. */
interface PodRange {
  readonly node: string;
  readonly cidr: string;
  readonly family: IPFamily;
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Problems in the nodes' pod CIDRs and addresses that keep other nodes from routing to a node's
 * pods. The nodes stay in the store and the route planner skips what these describe; the
 * problems say why a route is missing:
 *
 * - no pod CIDR (warning: normal until the controller manager allocates one);
 * - a pod CIDR of a family the node has no InternalIP of (warning: no gateway for it);
 * - a pod CIDR another node also has, or one overlapping another node's (error, on each node:
 *   routes are keyed by destination, so neither is routed to);
 * - an InternalIP another node also has (error, on each node: neither is routed to over that
 *   family). Only the first InternalIP of each family is checked: it is the one routes use.
 *
 * A default route as pod CIDR (`0.0.0.0/0`) is not here: conversion drops it with an error.
 *
 * Computed from one snapshot's views, like the dangling references, at most once per snapshot
 * and only when the problem list is asked for: one sort and sweep of the pod CIDRs, each node's
 * CIDRs parsed once per node object.
 */
export function nodeCidrProblems(views: TableViews): Problem[] {
  const nodes = views.nodes.values();
  const conflicts = podCidrConflicts(nodes);
  const sharedAddresses = sharedInternalIPs(nodes);
  const problems: Problem[] = [];
  for (const node of nodes) {
    const origin = views.origins.get(objectRef('Node', node.key))?.origin;
    const report = (severity: ProblemSeverity, field: string, message: string): void => {
      problems.push({ kind: 'Node', name: node.name, field, message, severity, ...(origin === undefined ? {} : { origin }) });
    };
    if (node.podCIDRs.length === 0) report('warning', 'spec.podCIDRs', 'no pod CIDR: no node routes to its pods');
    for (const cidr of node.podCIDRs) {
      const family = ipFamilyOf(cidr);
      if (!node.internalIPs.some((address) => ipFamilyOf(address) === family)) {
        report('warning', 'spec.podCIDRs', `pod CIDR ${cidr} is ${family} but the node has no ${family} InternalIP: no node routes to it`);
      }
      const found = conflicts.get(conflictKey(node.name, cidr));
      if (found?.duplicates.length) {
        report('error', 'spec.podCIDRs', `pod CIDR ${cidr} is also the pod CIDR of ${listed(found.duplicates)}: no node routes to it`);
      }
      if (found?.overlaps.length) {
        report('error', 'spec.podCIDRs', `pod CIDR ${cidr} overlaps ${listed(found.overlaps)}: no node routes to either`);
      }
    }
    for (const [address, others] of sharedAddresses.get(node.name) ?? []) {
      report('error', 'status.addresses', `InternalIP ${address} is also the InternalIP of ${listed(others)}: no node routes to either over ${ipFamilyOf(address)}`);
    }
  }
  return problems;
}

interface Conflicts {
  /** `node <name>` of each other node with the same CIDR. */
  readonly duplicates: string[];
  /** `node <name>'s <cidr>` of each other node's overlapping CIDR. */
  readonly overlaps: string[];
}

/**
 * Duplicated and overlapping pod CIDRs, by `node NUL cidr`. CIDRs are nested or disjoint, so
 * one sweep in (start, widest first) order with a stack of the CIDRs still open finds every
 * pair: each CIDR overlaps exactly the open ones that contain it.
 */
function podCidrConflicts(nodes: readonly Node[]): Map<string, Conflicts> {
  const conflicts = new Map<string, Conflicts>();
  const entryOf = (range: PodRange): Conflicts => {
    const key = conflictKey(range.node, range.cidr);
    let entry = conflicts.get(key);
    if (entry === undefined) {
      entry = { duplicates: [], overlaps: [] };
      conflicts.set(key, entry);
    }
    return entry;
  };
  for (const family of ['IPv4', 'IPv6'] as const) {
    const ranges = podRanges(nodes, family).sort((a, b) =>
      a.start !== b.start ? (a.start < b.start ? -1 : 1) : a.end !== b.end ? (a.end > b.end ? -1 : 1) : 0,
    );
    const open: PodRange[] = [];
    for (const range of ranges) {
      while (open.length > 0 && (open[open.length - 1] as PodRange).end < range.start) open.pop();
      for (const container of open) {
        if (container.node === range.node) continue;
        if (container.cidr === range.cidr) {
          entryOf(range).duplicates.push(`node ${container.node}`);
          entryOf(container).duplicates.push(`node ${range.node}`);
        } else {
          entryOf(range).overlaps.push(`node ${container.node}'s ${container.cidr}`);
          entryOf(container).overlaps.push(`node ${range.node}'s ${range.cidr}`);
        }
      }
      open.push(range);
    }
  }
  return conflicts;
}

/**
 * Each node's pod CIDRs as ranges, kept per node object: nodes are immutable and shared by
 * every snapshot holding them, so a new snapshot's problem list parses only the nodes that
 * changed (at 5,000 dual-stack nodes, parsing was most of the cost).
 */
const rangesOfNode = new WeakMap<Node, readonly PodRange[]>();

/**
 * The pod CIDRs of `family` as ranges. Default routes are left out, as the route planner
 * ignores them (conversion drops them before they get here).
 */
function podRanges(nodes: readonly Node[], family: IPFamily): PodRange[] {
  const ranges: PodRange[] = [];
  for (const node of nodes) {
    let own = rangesOfNode.get(node);
    if (own === undefined) {
      own = node.podCIDRs.map((cidr) => rangeOf(node.name, cidr)).filter((range) => range !== undefined);
      rangesOfNode.set(node, own);
    }
    for (const range of own) if (range.family === family) ranges.push(range);
  }
  return ranges;
}

function rangeOf(node: string, cidr: string): PodRange | undefined {
  const family = ipFamilyOf(cidr);
  const slash = cidr.indexOf('/');
  const start = slash < 0 ? undefined : addressValue(cidr.slice(0, slash), family);
  const prefix = Number(cidr.slice(slash + 1));
  if (start === undefined || !Number.isInteger(prefix) || prefix === 0) return undefined;
  const bits = family === 'IPv4' ? 32 : 128;
  return { node, cidr, family, start, end: start | ((1n << BigInt(bits - prefix)) - 1n) };
}

/**
 * The numeric value of a model address (canonical: dotted IPv4, compressed IPv6). Read by
 * hand because parsing with ipaddr.js took most of the time at 5,000 dual-stack nodes; any
 * form this does not read (an embedded IPv4 tail) goes to ipaddr.js.
 */
function addressValue(address: string, family: IPFamily): bigint | undefined {
  if (family === 'IPv4') {
    const octets = address.split('.').map(Number);
    if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) return undefined;
    return BigInt((((octets[0] as number) * 256 + (octets[1] as number)) * 256 + (octets[2] as number)) * 256 + (octets[3] as number));
  }
  if (address.includes('.')) {
    if (!ipaddr.IPv6.isValid(address)) return undefined;
    return ipaddr.IPv6.parse(address).toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
  }
  const halves = address.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length > 2 || (halves.length === 1 ? missing !== 0 : missing < 1)) return undefined;
  const groups = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return BigInt(`0x${groups.map((group) => group.padStart(4, '0')).join('')}`);
}

/** For each node, its first InternalIP of each family that other nodes also have, with them. */
function sharedInternalIPs(nodes: readonly Node[]): Map<string, [string, string[]][]> {
  const holders = new Map<string, string[]>();
  for (const node of nodes) {
    for (const address of firstOfEachFamily(node.internalIPs)) holders.set(address, [...(holders.get(address) ?? []), node.name]);
  }
  const shared = new Map<string, [string, string[]][]>();
  for (const [address, names] of holders) {
    if (names.length < 2) continue;
    for (const name of names) {
      const others = names.filter((other) => other !== name).map((other) => `node ${other}`);
      shared.set(name, [...(shared.get(name) ?? []), [address, others]]);
    }
  }
  return shared;
}

function firstOfEachFamily(addresses: readonly string[]): string[] {
  const first = new Map<IPFamily, string>();
  for (const address of addresses) if (!first.has(ipFamilyOf(address))) first.set(ipFamilyOf(address), address);
  return [...first.values()];
}

/** `a, b and c`, or `a, b, c and 4,997 more` past {@link NAMED_CONFLICTS}. */
function listed(items: readonly string[]): string {
  if (items.length === 1) return items[0] as string;
  if (items.length <= NAMED_CONFLICTS) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
  return `${items.slice(0, NAMED_CONFLICTS).join(', ')} and ${(items.length - NAMED_CONFLICTS).toLocaleString('en-US')} more`;
}

function conflictKey(node: string, cidr: string): string {
  return `${node}\u0000${cidr}`;
}
