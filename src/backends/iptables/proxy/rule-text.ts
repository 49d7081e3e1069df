import type { IPFamily, Protocol } from '../../../core/model/index.js';

/** The restore program of a family. */
export function restoreCommand(family: IPFamily): string {
  return family === 'IPv4' ? 'iptables-restore' : 'ip6tables-restore';
}

/** The save program of a family. */
export function saveCommand(family: IPFamily): string {
  return family === 'IPv4' ? 'iptables-save' : 'ip6tables-save';
}

/** `ip` as a host match (`/32` or `/128`); a CIDR passes unchanged. */
export function hostMatch(ip: string): string {
  if (ip.includes('/')) return ip;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/** `-p tcp -m tcp --dport N`, for the plan's protocol. */
export function portMatch(protocol: Protocol, port: number): string {
  const name = protocol.toLowerCase();
  return `-p ${name} -m ${name} --dport ${port}`;
}

/** The DNAT destination of an endpoint (`ip:port`, `[ip]:port` for IPv6). */
export function dnatDestination(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The `recent` module's mask for whole addresses of a family. */
export function recentMask(family: IPFamily): string {
  return family === 'IPv4' ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
}

// What a comment keeps as is: nothing that quotes, escapes, ends a line or starts a comment.
const UNSAFE_COMMENT_CHARACTER = /[^A-Za-z0-9 ./:_=-]/g;
const MAX_COMMENT = 200;

/**
 * `-m comment --comment "TEXT"` with every character outside a small safe set replaced by `_`
 * and the length bounded: names a user chose reach the payload only this way, as inert text.
 */
export function comment(text: string): string {
  return safeComment(commentSafe(text));
}

/** `text` with every character outside the comment's safe set replaced by `_` (not bounded). */
export function commentSafe(text: string): string {
  return text.replace(UNSAFE_COMMENT_CHARACTER, '_');
}

/**
 * The comment of `safe`, text that {@link commentSafe} made safe, possibly followed by literal
 * text of safe characters only: `comment(name + suffix)` is `safeComment(commentSafe(name) + suffix)`,
 * since each character is replaced on its own. Lets a renderer sanitize a name once, not per rule.
 */
export function safeComment(safe: string): string {
  return `-m comment --comment "${safe.slice(0, MAX_COMMENT)}"`;
}

// Endpoint counts up to this have their probabilities printed once per process.
const REMEMBERED_COUNTS = 128;
const probabilities: string[][] = [];

/**
 * The probability of the `index`-th of `count` endpoints so that each is chosen with 1/count:
 * 1/count, 1/(count-1), ..., printed with ten decimals as kube-proxy does.
 */
export function probability(index: number, count: number): string {
  if (count > REMEMBERED_COUNTS) return (1 / (count - index)).toFixed(10);
  const row = probabilities[count] ??= [];
  return row[index] ??= (1 / (count - index)).toFixed(10);
}
