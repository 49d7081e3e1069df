/**
 * Conversion and validation of raw Kubernetes objects into the typed model. Invalid input
 * never throws: it becomes `Problem`s and the object, or only its bad part, is left out.
 *
 * @module
 */
export { convertObject, UNKNOWN_KIND } from './convert-object.js';
export type { ConversionResult } from './conversion-result.js';
export { objectIdentity, type ObjectIdentity } from './object-identity.js';
export { convertNode } from './convert-node.js';
export { convertNamespace } from './convert-namespace.js';
export { convertPod } from './convert-pod.js';
export { convertService } from './convert-service.js';
export { convertEndpointSlice } from './convert-endpoint-slice.js';
export { convertNetworkPolicy } from './convert-network-policy.js';
export { KNOWN_KINDS, DEFAULT_NAMESPACE, isKubernetesGroup, type KnownKind, type RetiredApiVersion } from './known-kinds.js';
export { FieldPath } from './field-path.js';
export { ProblemCollector, type ProblemSubject } from './problem-collector.js';
export { parseIP, parseCIDR, isStrictSubnet, type ParsedIP, type ParsedCIDR } from './ip-parsing.js';
export { parseProtocol, parsePortNumber, parsePortReference, isIanaServiceName, ianaServiceNameError } from './port-parsing.js';
export { dnsLabelError, dnsSubdomainError, qualifiedNameError, labelValueError, isDnsLabel, isDnsSubdomain } from './name-rules.js';
export { nonUnicastAddressReason, isWholeFamily } from './address-rules.js';
export { reportUnknownFields } from './unknown-fields.js';
export type { FieldShape } from './known-fields.js';
export { parseLabelSelector } from './label-selector-parsing.js';
export type { ParseOutcome } from './parse-outcome.js';
export { quote } from './raw-values.js';
