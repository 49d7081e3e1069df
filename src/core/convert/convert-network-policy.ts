import type { NetworkPolicy, PolicyType } from '../model/index.js';
import { collectorFor, converted, dropped, type ConversionResult } from './conversion-result.js';
import { FieldPath } from './field-path.js';
import { parseLabelSelector } from './label-selector-parsing.js';
import { parseNamespacedMeta } from './metadata-parsing.js';
import { parseRules } from './network-policy-rules.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, field, isAbsent, isRecord } from './raw-values.js';

const SPEC = FieldPath.of('spec');
const POLICY_TYPES: readonly PolicyType[] = ['Ingress', 'Egress'];

/**
 * Converts a networking.k8s.io/v1 NetworkPolicy. Unlike the other kinds, ANY flaw drops the
 * whole policy (error), because every partial repair changes who may talk to whom:
 *
 * - `spec.podSelector` missing or invalid. Kubernetes requires it; reading a missing one as
 *   `{}` would isolate every pod of the namespace. A selector with an unknown operator,
 *   `In`/`NotIn` without values or `Exists`/`DoesNotExist` with values is invalid as a whole:
 *   dropping one expression would widen the selection (terms are ANDed).
 * - `spec.policyTypes` with a value other than Ingress or Egress. When absent or empty the
 *   types are inferred as Kubernetes does: Ingress always, Egress when egress rules exist.
 *   A repeated type is collapsed with a warning.
 * - peers: an ipBlock whose cidr does not parse or whose except is not a strict subnet of it,
 *   a peer mixing ipBlock with selectors, an empty peer `{}`, an invalid selector.
 * - ports: an unknown protocol (default TCP), a port outside 1..65535 or not an IANA name,
 *   `endPort` below `port`, `endPort` with a named or absent port.
 *
 * An ipBlock CIDR with host bits set is normalised with a warning, not an error.
 */
export function convertNetworkPolicy(raw: unknown, origin?: string): ConversionResult {
  const problems = collectorFor('NetworkPolicy', raw, origin);
  const meta = parseNamespacedMeta(raw, problems);
  if (!meta) return dropped(problems);
  const spec = field(raw, 'spec');
  if (!isRecord(spec)) {
    problems.error(SPEC, isAbsent(spec) ? 'spec is missing' : `spec must be an object, got ${describe(spec)}`);
    return dropped(problems);
  }
  if (isAbsent(spec['podSelector'])) {
    problems.error(SPEC.child('podSelector'), 'podSelector is missing (use {} to select every pod of the namespace)');
    return dropped(problems);
  }
  const podSelector = parseLabelSelector(spec['podSelector'], SPEC.child('podSelector'), problems);
  const ingress = parseRules(spec['ingress'], SPEC.child('ingress'), 'from', problems);
  const egress = parseRules(spec['egress'], SPEC.child('egress'), 'to', problems);
  const explicitTypes = parsePolicyTypes(spec['policyTypes'], problems);
  if (!podSelector || !ingress || !egress || explicitTypes === null) return dropped(problems);
  const policyTypesExplicit = explicitTypes !== undefined;
  const policyTypes: PolicyType[] = explicitTypes ?? (egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
  const policy: NetworkPolicy = {
    kind: 'NetworkPolicy',
    ...meta,
    podSelector,
    policyTypes,
    policyTypesExplicit,
    ingress,
    egress,
  };
  return converted(policy, problems);
}

/** undefined: not given (infer); null: invalid (error recorded). */
function parsePolicyTypes(value: unknown, problems: ProblemCollector): PolicyType[] | undefined | null {
  const path = SPEC.child('policyTypes');
  if (isAbsent(value) || (Array.isArray(value) && value.length === 0)) return undefined;
  if (!Array.isArray(value)) {
    problems.error(path, `expected a list, got ${describe(value)}`);
    return null;
  }
  const types: PolicyType[] = [];
  for (const [index, entry] of value.entries()) {
    if (typeof entry !== 'string' || !(POLICY_TYPES as readonly string[]).includes(entry)) {
      problems.error(path.child(index), `unknown policy type ${describe(entry)} (expected Ingress or Egress)`);
      return null;
    }
    if (types.includes(entry as PolicyType)) problems.warning(path.child(index), `policy type ${entry} listed twice`);
    else types.push(entry as PolicyType);
  }
  return types;
}
