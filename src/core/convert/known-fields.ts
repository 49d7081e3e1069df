/**
 * The fields Kubernetes defines in the parts of each kind that this project reads, with the
 * API's own field names (as of Kubernetes 1.34). A key that is not listed is reported as an
 * unknown field (see `unknown-fields.ts`): a typo such as `matchLabel` or `form` is silently
 * dropped by the API server's default field handling, and the object then selects or allows
 * more than its author wrote.
 *
 * A shape is `complete` when it lists every field the API defines there: any other key is
 * unknown. It is `read` when it lists only the fields this project reads, for structures that
 * are large and keep growing (a pod's spec, a node's status): there, only a key that differs
 * from a listed one by letter case alone (`nodename`, `PodIPs`) is reported, since that is a
 * typo of a field the project would have read.
 *
 * @module
 */

/**
 * The known fields of one JSON object; `null` marks a field whose content is not checked.
 *
 * @internal
 */
export interface FieldShape {
  readonly listed: 'complete' | 'read';
  readonly fields: Readonly<Record<string, FieldShape | null>>;
}

function complete(fields: Readonly<Record<string, FieldShape | null>>): FieldShape {
  return { listed: 'complete', fields };
}

function readOnly(fields: Readonly<Record<string, FieldShape | null>>): FieldShape {
  return { listed: 'read', fields };
}

/** Leaves: fields whose value is a scalar, a list of scalars or a map this table does not describe. */
function leaves(...names: string[]): Record<string, null> {
  return Object.fromEntries(names.map((name) => [name, null]));
}

const OBJECT_META = complete(
  leaves(
    'annotations',
    'creationTimestamp',
    'deletionGracePeriodSeconds',
    'deletionTimestamp',
    'finalizers',
    'generateName',
    'generation',
    'labels',
    'managedFields',
    'name',
    'namespace',
    'ownerReferences',
    'resourceVersion',
    'selfLink',
    'uid',
  ),
);

const LABEL_SELECTOR = complete({
  matchLabels: null,
  matchExpressions: complete(leaves('key', 'operator', 'values')),
});

/** `apiVersion`, `kind` and `metadata`, which every kind has. */
const TYPE_AND_METADATA = { ...leaves('apiVersion', 'kind'), metadata: OBJECT_META };

const POLICY_PEER = complete({
  podSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
  ipBlock: complete(leaves('cidr', 'except')),
});
const POLICY_PORT = complete(leaves('protocol', 'port', 'endPort'));

/** networking.k8s.io/v1 NetworkPolicy. */
export const NETWORK_POLICY_FIELDS = complete({
  ...TYPE_AND_METADATA,
  spec: complete({
    podSelector: LABEL_SELECTOR,
    policyTypes: null,
    ingress: complete({ from: POLICY_PEER, ports: POLICY_PORT }),
    egress: complete({ to: POLICY_PEER, ports: POLICY_PORT }),
  }),
});

/** v1 Service. */
export const SERVICE_FIELDS = complete({
  ...TYPE_AND_METADATA,
  spec: complete({
    ...leaves(
      'allocateLoadBalancerNodePorts',
      'clusterIP',
      'clusterIPs',
      'externalIPs',
      'externalName',
      'externalTrafficPolicy',
      'healthCheckNodePort',
      'internalTrafficPolicy',
      'ipFamilies',
      'ipFamilyPolicy',
      'loadBalancerClass',
      'loadBalancerIP',
      'loadBalancerSourceRanges',
      'publishNotReadyAddresses',
      'selector',
      'sessionAffinity',
      'trafficDistribution',
      'type',
    ),
    ports: complete(leaves('appProtocol', 'name', 'nodePort', 'port', 'protocol', 'targetPort')),
    sessionAffinityConfig: complete({ clientIP: complete(leaves('timeoutSeconds')) }),
  }),
  status: complete({
    conditions: null,
    loadBalancer: complete({ ingress: complete(leaves('hostname', 'ip', 'ipMode', 'ports')) }),
  }),
});

/** discovery.k8s.io/v1 EndpointSlice. */
export const ENDPOINT_SLICE_FIELDS = complete({
  ...TYPE_AND_METADATA,
  addressType: null,
  endpoints: complete({
    ...leaves('addresses', 'deprecatedTopology', 'hints', 'hostname', 'nodeName', 'zone'),
    conditions: complete(leaves('ready', 'serving', 'terminating')),
    targetRef: complete(leaves('apiVersion', 'fieldPath', 'kind', 'name', 'namespace', 'resourceVersion', 'uid')),
  }),
  ports: complete(leaves('appProtocol', 'name', 'port', 'protocol')),
});

/** v1 Pod: only the parts the networking concerns read. */
export const POD_FIELDS = complete({
  ...TYPE_AND_METADATA,
  spec: readOnly({
    ...leaves('hostNetwork', 'nodeName'),
    containers: readOnly({
      name: null,
      ports: complete(leaves('containerPort', 'hostIP', 'hostPort', 'name', 'protocol')),
    }),
  }),
  status: readOnly({ ...leaves('phase', 'podIP'), podIPs: complete(leaves('ip')) }),
});

/** v1 Node: its spec and the addresses of its status. */
export const NODE_FIELDS = complete({
  ...TYPE_AND_METADATA,
  spec: complete(leaves('configSource', 'externalID', 'podCIDR', 'podCIDRs', 'providerID', 'taints', 'unschedulable')),
  status: readOnly({ addresses: complete(leaves('address', 'type')) }),
});

/** v1 Namespace: only its metadata is read. */
export const NAMESPACE_FIELDS = complete({ ...TYPE_AND_METADATA, ...leaves('spec', 'status') });
