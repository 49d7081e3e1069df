import { quote } from './raw-values.js';

/**
 * The syntax rules Kubernetes applies to names, keys and labels. Each check returns why the
 * text breaks the rule (a sentence fragment naming the value, quoted and escaped), or
 * undefined when it is valid.
 *
 * These rules are what keeps text from the input out of places where it would be structure:
 * none of them admits a control character, a space, `;`, `$` or a quote, so a name that passed
 * can be a store key, part of a plan key or a rule comment without escaping, and NUL (the
 * separator of the store's index keys) can never appear inside one.
 *
 * @module
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// The name part of a qualified name and a non-empty label value share one character rule.
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL_MAX = 63;
const DNS_SUBDOMAIN_MAX = 253;
const NAME_PART_MAX = 63;
const LABEL_VALUE_MAX = 63;

/**
 * A DNS-1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a
 * letter or digit. The rule for namespace names, service names (current API servers; see
 * `convertService`), service and EndpointSlice port names, and endpoint hostnames.
 */
export function dnsLabelError(text: string): string | undefined {
  if (text.length <= DNS_LABEL_MAX && DNS_LABEL.test(text)) return undefined;
  return `${quote(text)} is not a DNS-1123 label (at most ${DNS_LABEL_MAX} lower-case letters, digits and "-", starting and ending with a letter or digit)`;
}

/**
 * A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters in all. The
 * rule for the names of pods, nodes, EndpointSlices and NetworkPolicies, and for node names
 * wherever they are referred to (`spec.nodeName`, an endpoint's `nodeName`).
 */
export function dnsSubdomainError(text: string): string | undefined {
  if (text.length <= DNS_SUBDOMAIN_MAX && DNS_SUBDOMAIN.test(text)) return undefined;
  return `${quote(text)} is not a DNS-1123 subdomain (at most ${DNS_SUBDOMAIN_MAX} characters: lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit)`;
}

/**
 * A qualified name, the rule for label keys, annotation keys and `appProtocol`: an optional
 * prefix that is a DNS-1123 subdomain and a `/`, then a name of 1 to 63 letters, digits, `-`,
 * `_` and `.`, starting and ending with a letter or digit.
 */
export function qualifiedNameError(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash >= 0 && text.includes('/', slash + 1)) {
    return `${quote(text)} is not a qualified name (at most one "/", between a DNS subdomain prefix and a name)`;
  }
  const prefix = slash >= 0 ? text.slice(0, slash) : undefined;
  const name = slash >= 0 ? text.slice(slash + 1) : text;
  if (prefix !== undefined && (prefix === '' || dnsSubdomainError(prefix) !== undefined)) {
    return `${quote(text)} is not a qualified name: the prefix before "/" must be a DNS-1123 subdomain`;
  }
  if (name.length > NAME_PART_MAX || !QUALIFIED_NAME_PART.test(name)) {
    return `${quote(text)} is not a qualified name: the name${prefix !== undefined ? ' after "/"' : ''} must be 1 to ${NAME_PART_MAX} letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * A label value: empty, or at most 63 letters, digits, `-`, `_` and `.`, starting and ending
 * with a letter or digit. The rule for label values and for the values label selectors name.
 */
export function labelValueError(text: string): string | undefined {
  if (text === '' || (text.length <= LABEL_VALUE_MAX && QUALIFIED_NAME_PART.test(text))) return undefined;
  return `${quote(text)} is not a valid label value (empty, or at most ${LABEL_VALUE_MAX} letters, digits, "-", "_" and ".", starting and ending with a letter or digit)`;
}

/** True for a DNS-1123 subdomain (see {@link dnsSubdomainError}). */
export function isDnsSubdomain(text: string): boolean {
  return dnsSubdomainError(text) === undefined;
}

/** True for a DNS-1123 label (see {@link dnsLabelError}). */
export function isDnsLabel(text: string): boolean {
  return dnsLabelError(text) === undefined;
}
