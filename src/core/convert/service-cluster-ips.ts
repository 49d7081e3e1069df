import type { IPFamily, IPFamilyPolicy, ServiceType } from '../model/index.js';
import { FieldPath } from './field-path.js';
import { parseIP } from './ip-parsing.js';
import type { ProblemCollector } from './problem-collector.js';
import { describe, shownValue, field, isAbsent } from './raw-values.js';

const SPEC = FieldPath.of('spec');
const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];
const FAMILY_POLICIES: readonly IPFamilyPolicy[] = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];

/** The addressing of a Service: its virtual IPs and families. */
export interface ServiceAddressing {
  readonly clusterIPs: readonly string[];
  readonly headless: boolean;
  readonly ipFamilies: readonly IPFamily[];
  readonly ipFamilyPolicy?: IPFamilyPolicy | undefined;
}

/**
 * Reads `clusterIP`, `clusterIPs`, `ipFamilies` and `ipFamilyPolicy`. Returns undefined (after
 * an error) when the service cannot be programmed as written, since kube-proxy could not pick
 * a virtual IP for it: an invalid address, `clusterIP` disagreeing with `clusterIPs[0]`, more
 * than two addresses or two of one family, `None` mixed with addresses, a headless service of a
 * type other than ClusterIP, an unknown or repeated family, or a family contradicting the
 * cluster IP at the same index. Missing `ipFamilies` are inferred from the cluster IPs.
 * An unset cluster IP (a manifest before allocation) is not a problem: `clusterIPs` is empty.
 * ExternalName services have no cluster IP; any given is ignored with a warning.
 */
export function parseServiceAddressing(
  spec: unknown,
  type: ServiceType,
  problems: ProblemCollector,
): ServiceAddressing | undefined {
  const ipFamilyPolicy = parseFamilyPolicy(field(spec, 'ipFamilyPolicy'), problems);
  const candidates = clusterIPCandidates(spec, problems);
  if (!candidates) return undefined;
  if (type === 'ExternalName') {
    if (candidates.length > 0) problems.warning(SPEC.child('clusterIP'), 'an ExternalName service has no cluster IP; ignored');
    return { clusterIPs: [], headless: false, ipFamilies: [], ipFamilyPolicy };
  }
  const headless = candidates[0]?.value === 'None';
  if (headless && candidates.length > 1) {
    problems.error(SPEC.child('clusterIPs'), '"None" must be the only cluster IP of a headless service');
    return undefined;
  }
  if (headless && type !== 'ClusterIP') {
    problems.error(SPEC.child('clusterIP'), `a ${type} service cannot be headless (clusterIP "None")`);
    return undefined;
  }
  const clusterIPs: string[] = [];
  const ipFamiliesOfIPs: IPFamily[] = [];
  if (!headless) {
    if (candidates.length > 2) {
      problems.error(SPEC.child('clusterIPs'), `at most two cluster IPs (one per family), got ${candidates.length}`);
      return undefined;
    }
    for (const { value, path } of candidates) {
      const parsed = typeof value === 'string' ? parseIP(value) : undefined;
      if (!parsed?.ok) {
        problems.error(path, `invalid cluster IP: ${parsed ? parsed.reason : `expected a string, got ${describe(value)}`}`);
        return undefined;
      }
      if (ipFamiliesOfIPs.includes(parsed.value.family)) {
        problems.error(path, `two ${parsed.value.family} cluster IPs; a dual-stack service has one per family`);
        return undefined;
      }
      clusterIPs.push(parsed.value.text);
      ipFamiliesOfIPs.push(parsed.value.family);
    }
  }
  const ipFamilies = parseFamilies(field(spec, 'ipFamilies'), ipFamiliesOfIPs, problems);
  if (!ipFamilies) return undefined;
  return { clusterIPs, headless, ipFamilies, ipFamilyPolicy };
}

function clusterIPCandidates(spec: unknown, problems: ProblemCollector): { value: unknown; path: FieldPath }[] | undefined {
  const single = field(spec, 'clusterIP');
  const list = field(spec, 'clusterIPs');
  if (!isAbsent(list) && !Array.isArray(list)) {
    problems.error(SPEC.child('clusterIPs'), `expected a list, got ${describe(list)}`);
    return undefined;
  }
  const singleGiven = !isAbsent(single) && single !== '';
  if (Array.isArray(list) && list.length > 0) {
    if (singleGiven && single !== list[0]) {
      problems.error(SPEC.child('clusterIP'), `clusterIP ${describe(single)} differs from clusterIPs[0] ${describe(list[0])}`);
      return undefined;
    }
    return list.map((value: unknown, index) => ({ value, path: SPEC.child('clusterIPs').child(index) }));
  }
  return singleGiven ? [{ value: single, path: SPEC.child('clusterIP') }] : [];
}

function parseFamilies(value: unknown, inferred: readonly IPFamily[], problems: ProblemCollector): IPFamily[] | undefined {
  const path = SPEC.child('ipFamilies');
  if (isAbsent(value) || (Array.isArray(value) && value.length === 0)) return [...inferred];
  if (!Array.isArray(value)) {
    problems.error(path, `expected a list, got ${describe(value)}`);
    return undefined;
  }
  if (value.length > 2) {
    problems.error(path, `at most two IP families, got ${value.length}`);
    return undefined;
  }
  const families: IPFamily[] = [];
  for (const [index, entry] of value.entries()) {
    if (typeof entry !== 'string' || !(FAMILIES as readonly string[]).includes(entry)) {
      problems.error(path.child(index), `unknown IP family ${shownValue(entry)} (expected IPv4 or IPv6)`);
      return undefined;
    }
    const family = entry as IPFamily;
    if (families.includes(family)) {
      problems.error(path.child(index), `IP family ${family} listed twice`);
      return undefined;
    }
    const ipFamily = inferred[index];
    if (ipFamily !== undefined && ipFamily !== family) {
      problems.error(path.child(index), `IP family ${family} contradicts the ${ipFamily} cluster IP at the same index`);
      return undefined;
    }
    families.push(family);
  }
  if (inferred.length > families.length) {
    problems.error(path, `${inferred.length} cluster IPs but only ${families.length} IP families`);
    return undefined;
  }
  return families;
}

function parseFamilyPolicy(value: unknown, problems: ProblemCollector): IPFamilyPolicy | undefined {
  if (isAbsent(value) || value === '') return undefined;
  if (typeof value === 'string' && (FAMILY_POLICIES as readonly string[]).includes(value)) return value as IPFamilyPolicy;
  problems.warning(SPEC.child('ipFamilyPolicy'), `unknown ipFamilyPolicy ${shownValue(value)}; ignored`);
  return undefined;
}
