import { SELECT_ALL, type LabelSelector, type NetworkPolicy, type NetworkPolicyRule, type PolicyType } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { NETWORK_POLICY_FIELDS } from './known-fields.js';
import { parseLabelSelector } from './label-selector-parsing.js';
import { parseNamespacedMeta } from './metadata-parsing.js';
import { parseRules } from './network-policy-rules.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord, quote } from './raw-values.js';
import { reportUnknownFields } from './unknown-fields.js';

const SPEC = FieldPath.of('spec');
const POLICY_TYPES: readonly PolicyType[] = ['Ingress', 'Egress'];

/**
 * Converts a networking.k8s.io/v1 NetworkPolicy, failing closed: a policy that is kept keeps
 * its pods isolated, so every repair either matches what Kubernetes would enforce or allows
 * less than it. Dropping a policy opens the pods it selects, so it happens only when the
 * selected pods cannot be known:
 *
 * - Dropped (error): unusable `metadata.name` or `metadata.namespace`; a `spec` that is not an
 *   object; an invalid `spec.podSelector` (an unknown operator, `In` without values, a key
 *   that is not a qualified name, a value that is not a label value, ...). Reading a part of
 *   such a selector would select more or fewer pods than written; the pods it was meant to
 *   select are not isolated by this policy.
 * - A missing `spec` or `spec.podSelector` is read as Kubernetes reads it: `{}`, every pod of
 *   the namespace (warning).
 * - A flawed rule is dropped as a whole and the others kept (see `parseRules`).
 * - `spec.policyTypes`: absent or empty → inferred as Kubernetes does (Ingress always; Egress
 *   when `spec.egress` has entries, counting the dropped ones, since the author wrote them). An
 *   entry other than `Ingress` or `Egress` is an error, and, since it might have meant either
 *   direction, each direction the list does not name validly is isolated too, with none of
 *   this policy's rules for it. That allows no more than either reading: if the entry meant
 *   nothing, another policy's rules still apply as before; if it meant that direction, this
 *   policy's rules for it are refused. A list that is not a list names no direction validly.
 *   A repeated type is a warning (an error beyond two entries, which Kubernetes refuses).
 * - An invalid label or annotation of the policy's own metadata is dropped (error) and the
 *   policy kept: nothing selects a policy by its labels, and dropping the policy would open
 *   its pods.
 *
 * Unknown fields (`form` for `from`, `matchLabel`) are warnings: the API server ignores them
 * too, and the warning says what was left out.
 */
export function convertNetworkPolicy(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('NetworkPolicy', raw, origin);
  reportUnknownFields(raw, NETWORK_POLICY_FIELDS, problems);
  const meta = parseNamespacedMeta(raw, problems, { invalidEntries: 'entry' });
  if (!meta) return dropped(problems);
  const rawSpec = field(raw, 'spec');
  const spec = readSpec(rawSpec, problems);
  if (!spec) return dropped(problems);
  // A missing spec was already reported; its missing podSelector says nothing more.
  const podSelector = isAbsent(rawSpec) ? SELECT_ALL : readPodSelector(spec['podSelector'], problems);
  const ingress = parseRules(spec['ingress'], SPEC.child('ingress'), 'from', problems);
  const egress = parseRules(spec['egress'], SPEC.child('egress'), 'to', problems);
  const types = parsePolicyTypes(spec['policyTypes'], problems);
  if (!podSelector) return dropped(problems);
  const policy: NetworkPolicy = {
    kind: 'NetworkPolicy',
    ...meta,
    podSelector,
    ...effectiveTypes(types, hasEntries(spec['egress']), { ingress, egress }),
  };
  return converted(policy, problems);
}

function readSpec(value: unknown, problems: ProblemCollector): Readonly<Record<string, unknown>> | undefined {
  if (isAbsent(value)) {
    problems.warning(SPEC, 'spec is missing: read as Kubernetes reads it, a policy that selects every pod of the namespace and allows them no ingress');
    return {};
  }
  if (isRecord(value)) return value;
  problems.error(SPEC, `spec must be an object, got ${describe(value)}; the policy is dropped, as which pods it selects cannot be known`);
  return undefined;
}

function readPodSelector(value: unknown, problems: ProblemCollector): LabelSelector | undefined {
  if (isAbsent(value)) {
    problems.warning(SPEC.child('podSelector'), 'podSelector is missing: it selects every pod of the namespace, as Kubernetes reads an omitted podSelector');
    return SELECT_ALL;
  }
  const policyProblems = problems.rewordingErrors(
    (message) =>
      `${message}; the whole policy is dropped, as which pods it selects cannot be known, so it isolates no pod (the pods it was meant to select are open unless another policy selects them)`,
  );
  return parseLabelSelector(value, SPEC.child('podSelector'), policyProblems);
}

function hasEntries(value: unknown): boolean {
  // Not a list is a flaw of the author's egress section, not its absence: counted as given.
  return !isAbsent(value) && (!Array.isArray(value) || value.length > 0);
}

/** What `spec.policyTypes` says: the directions it names validly, and whether it was flawed. */
interface PolicyTypesRead {
  /** undefined: not given, so inferred. */
  readonly named?: readonly PolicyType[] | undefined;
  readonly flawed: boolean;
}

function parsePolicyTypes(value: unknown, problems: ProblemCollector): PolicyTypesRead {
  const path = SPEC.child('policyTypes');
  if (isAbsent(value) || (Array.isArray(value) && value.length === 0)) return { flawed: false };
  if (!Array.isArray(value)) {
    problems.error(path, `expected a list, got ${describe(value)}; ${isolatedWithoutRules(POLICY_TYPES)}`);
    return { named: [], flawed: true };
  }
  const named: PolicyType[] = [];
  const bad: number[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || !(POLICY_TYPES as readonly string[]).includes(entry)) {
      bad.push(index);
    } else if (named.includes(entry as PolicyType)) {
      const message = `policy type ${entry} listed twice`;
      if (value.length > 2) problems.error(path.child(index), `${message} (Kubernetes accepts at most two entries); the repeat is dropped`);
      else problems.warning(path.child(index), message);
    } else {
      named.push(entry as PolicyType);
    }
  });
  const unnamed = POLICY_TYPES.filter((type) => !named.includes(type));
  for (const index of bad) {
    const entry: unknown = value[index];
    const shown = typeof entry === 'string' ? quote(entry) : describe(entry);
    const consequence = unnamed.length === 0 ? 'ignored, as Ingress and Egress are both named' : isolatedWithoutRules(unnamed);
    problems.error(path.child(index), `unknown policy type ${shown} (expected Ingress or Egress); ${consequence}`);
  }
  return { named, flawed: bad.length > 0 };
}

function isolatedWithoutRules(directions: readonly PolicyType[]): string {
  const list = directions.join(' and ');
  return `since it may have meant ${list}, ${list} of the selected pods ${directions.length > 1 ? 'are' : 'is'} isolated with none of this policy's rules for ${directions.length > 1 ? 'them' : 'it'} (fail closed)`;
}

function effectiveTypes(
  read: PolicyTypesRead,
  egressGiven: boolean,
  rules: { readonly ingress: NetworkPolicyRule[]; readonly egress: NetworkPolicyRule[] },
): Pick<NetworkPolicy, 'policyTypes' | 'policyTypesExplicit' | 'ingress' | 'egress'> {
  if (read.named === undefined) {
    return { policyTypes: egressGiven ? ['Ingress', 'Egress'] : ['Ingress'], policyTypesExplicit: false, ...rules };
  }
  if (!read.flawed) return { policyTypes: read.named, policyTypesExplicit: true, ...rules };
  // A flawed list: every direction is isolated; those not validly named get no rules.
  return {
    policyTypes: [...POLICY_TYPES],
    policyTypesExplicit: true,
    ingress: read.named.includes('Ingress') ? rules.ingress : [],
    egress: read.named.includes('Egress') ? rules.egress : [],
  };
}
