import { parseCIDR } from '../core/convert/ip-parsing.js';
import { ConfigError } from '../core/errors.js';

/** commander's collector for repeatable options (`-f a -f b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses a comma-separated CIDR list as kube-router's flags take it (`10.1.0.0/16,fd00::/48`),
 * with the same rules as CIDRs in manifests. Rejects bad CIDRs and CIDRs with host bits set,
 * naming the flag.
 */
export function parseCidrList(flag: string, value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((item) => {
    const parsed = parseCIDR(item.trim());
    if (!parsed.ok) throw new ConfigError(`${flag}: ${parsed.reason}`);
    if (parsed.value.hadHostBits) {
      throw new ConfigError(`${flag}: "${item.trim()}" has host bits set (did you mean ${parsed.value.text}?)`);
    }
    return parsed.value.text;
  });
}

/** Parses `--output` values. */
export function parseOutput(value: string): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new ConfigError(`--output: expected text or json, got "${value}"`);
}
