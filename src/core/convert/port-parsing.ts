import { PROTOCOLS, type Protocol } from '../model/index.js';
import type { ParseOutcome } from './parse-outcome.js';
import { describe, shownValue, isAbsent, quote } from './raw-values.js';

/**
 * A protocol field: absent means TCP (the Kubernetes default); otherwise one of TCP, UDP,
 * SCTP, spelled exactly (Kubernetes is case-sensitive here).
 */
export function parseProtocol(value: unknown): ParseOutcome<Protocol> {
  if (isAbsent(value)) return { ok: true, value: 'TCP' };
  // The list's own string, not the parsed one: one string kept for every port's protocol.
  for (const protocol of PROTOCOLS) if (protocol === value) return { ok: true, value: protocol };
  return { ok: false, reason: `unknown protocol ${shownValue(value)} (expected one of ${PROTOCOLS.join(', ')})` };
}

/** A port number: an integer 1..65535. Numeric strings are not accepted (the API field is an int). */
export function parsePortNumber(value: unknown): ParseOutcome<number> {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) {
    return { ok: true, value };
  }
  return { ok: false, reason: `port must be an integer in 1..65535, got ${describe(value)}` };
}

/**
 * True for an IANA service name as Kubernetes checks it (`IsValidPortName`): 1..15
 * characters of lower-case letters, digits and `-`, at least one letter, no leading, trailing
 * or doubled `-`. The rule for container port names and for named ports that refer to them
 * (a Service's `targetPort`, a NetworkPolicy port).
 */
export function isIanaServiceName(text: string): boolean {
  return (
    text.length >= 1 &&
    text.length <= 15 &&
    /^[a-z0-9]+(-[a-z0-9]+)*$/.test(text) &&
    /[a-z]/.test(text)
  );
}

/** Why `text` is not an IANA service name (see {@link isIanaServiceName}), or undefined. */
export function ianaServiceNameError(text: string): string | undefined {
  if (isIanaServiceName(text)) return undefined;
  return `${quote(text)} is not a valid port name (an IANA service name: at most 15 lower-case letters, digits and "-", at least one letter, no "-" at either end or twice in a row)`;
}

/**
 * An int-or-string port reference (`targetPort`, a NetworkPolicy port): a number 1..65535 or
 * an IANA service name naming a container port.
 */
export function parsePortReference(value: unknown): ParseOutcome<number | string> {
  if (typeof value === 'string') {
    if (isIanaServiceName(value)) return { ok: true, value };
    return {
      ok: false,
      reason: `${quote(value)} is neither a port number nor a valid port name (an IANA service name: at most 15 lower-case letters, digits and "-", at least one letter, no "-" at either end or twice in a row)`,
    };
  }
  return parsePortNumber(value);
}
