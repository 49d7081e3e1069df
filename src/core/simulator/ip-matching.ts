import ipaddr from 'ipaddr.js';
import { parseIP } from '../convert/ip-parsing.js';
import type { IPFamily } from '../model/index.js';
import { SimulationQueryError } from './simulation-error.js';

/** An address a question names, in the model's canonical text, with its family. */
export interface QueryAddress {
  readonly ip: string;
  readonly family: IPFamily;
}

/**
 * Parses an address a user gave (`--from`, `--to`, a packet field) into the canonical text
 * plans use, so `2001:DB8::1` compares equal to a plan's `2001:db8::1`.
 *
 * @param what names the field in the error message
 * @throws SimulationQueryError when `text` is not an IP address Kubernetes accepts
 */
export function queryAddress(text: string, what: string): QueryAddress {
  const parsed = parseIP(text.trim());
  if (!parsed.ok) throw new SimulationQueryError(`${what}: ${parsed.reason}`);
  return { ip: parsed.value.text, family: parsed.value.family };
}

type ParsedNetwork = [ipaddr.IPv4 | ipaddr.IPv6, number];

// Plans name the same few CIDRs (ipBlocks, cluster CIDRs, source ranges) for every question
// of a matrix, so each is parsed once. Bounded so a long-lived embedder cannot grow it forever.
const networks = new Map<string, ParsedNetwork | null>();
const MAX_CACHED_NETWORKS = 10_000;

function network(cidr: string): ParsedNetwork | null {
  let parsed = networks.get(cidr);
  if (parsed === undefined) {
    parsed = ipaddr.isValidCIDR(cidr) ? ipaddr.parseCIDR(cidr) : null;
    if (networks.size >= MAX_CACHED_NETWORKS) networks.clear();
    networks.set(cidr, parsed);
  }
  return parsed;
}

/**
 * True when `ip` lies inside `cidr`. An address of the other family, or a CIDR or address
 * that does not parse, is outside (plans hold only valid ones; this never throws).
 */
export function cidrContains(cidr: string, ip: string): boolean {
  const parsed = network(cidr);
  if (parsed === null || !ipaddr.isValid(ip)) return false;
  const address = ipaddr.parse(ip);
  return address.kind() === parsed[0].kind() && address.match(parsed);
}

/** The first of `cidrs` holding `ip`, if any. */
export function cidrHolding(cidrs: readonly string[], ip: string): string | undefined {
  return cidrs.find((cidr) => cidrContains(cidr, ip));
}

/** True for 127.0.0.0/8 and ::1: a packet from there was sent by the node itself. */
export function isLoopback(ip: string): boolean {
  return cidrContains('127.0.0.0/8', ip) || cidrContains('::1/128', ip);
}

/** `ip:port`, with IPv6 in brackets (`[fd00::5]:8080`), as URLs and kube-proxy's logs write it. */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Sort key of an address: family digit then fixed-width hex, so text order is numeric order. */
function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return `9${ip}`;
  const address = ipaddr.parse(ip);
  const bytes = address.toByteArray().map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${address.kind() === 'ipv4' ? 4 : 6}${bytes}`;
}

/** Orders addresses numerically, IPv4 before IPv6. */
export function compareAddresses(a: string, b: string): number {
  const keyA = addressKey(a);
  const keyB = addressKey(b);
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}
