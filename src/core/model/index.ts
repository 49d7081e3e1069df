export * from './common.js';
export * from './label-selector.js';
export * from './node.js';
export * from './namespace.js';
export * from './pod.js';
export * from './service.js';
export * from './endpoint-slice.js';
export * from './network-policy.js';
export * from './problem.js';
export * from './ip-family.js';

import type { Node } from './node.js';
import type { Namespace } from './namespace.js';
import type { Pod } from './pod.js';
import type { Service } from './service.js';
import type { EndpointSlice } from './endpoint-slice.js';
import type { NetworkPolicy } from './network-policy.js';

/** Any object of the typed model. */
export type ModelObject = Node | Namespace | Pod | Service | EndpointSlice | NetworkPolicy;
