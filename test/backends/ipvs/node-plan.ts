import { fragmentMapOf } from '../../../src/core/plan/fragment-map.js';
import type { ProxyPlan, ServicePortPlan } from '../../../src/core/plan/proxy-plan.js';

/** Where the IPVS unit tests' node stands: its pod CIDRs, service CIDRs and one IPv4 address. */
export interface TestNode {
  readonly clusterCIDRs: readonly string[];
  readonly serviceCIDRs: readonly string[];
  readonly nodeIP: string;
}

/** node-a on 192.168.50.1 with pods in 10.244.0.0/16 and no service CIDR. */
export const NODE_A: TestNode = { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: [], nodeIP: '192.168.50.1' };

/** A proxy plan of node-a holding `ports`, with the settings of `node` (NodePorts on its one address). */
export function nodePlan(node: TestNode, ...ports: ServicePortPlan[]): ProxyPlan {
  const address = [{ ip: node.nodeIP, family: 'IPv4' as const }];
  return {
    node: 'node-a',
    settings: {
      clusterCIDRs: [...node.clusterCIDRs],
      serviceCIDRs: [...node.serviceCIDRs],
      masqueradeAll: false,
      nodeAddresses: address,
      nodePortAddressFilter: [],
      nodePortAddresses: address,
      localhostNodePorts: false,
    },
    servicePorts: fragmentMapOf(ports, (port) => port.key),
  };
}
