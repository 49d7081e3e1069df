import ipaddr from 'ipaddr.js';
import { ConfigError } from '../core/errors.js';

/** commander's collector for repeatable options (`-f a -f b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses a comma-separated CIDR list as kube-router's flags take it (`10.1.0.0/16,fd00::/48`).
 * Rejects bad CIDRs and CIDRs with host bits set, naming the flag.
 */
export function parseCidrList(flag: string, value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((item) => {
    const text = item.trim();
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(text);
    } catch {
      throw new ConfigError(`${flag}: "${text}" is not a CIDR`);
    }
    const [address, bits] = parsed;
    const network = address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(text)
      : ipaddr.IPv6.networkAddressFromCIDR(text);
    if (network.toString() !== address.toString()) {
      throw new ConfigError(`${flag}: "${text}" has host bits set (did you mean ${network.toString()}/${bits}?)`);
    }
    return `${address.toString()}/${bits}`;
  });
}

/** Parses `--output` values. */
export function parseOutput(value: string): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new ConfigError(`--output: expected text or json, got "${value}"`);
}
