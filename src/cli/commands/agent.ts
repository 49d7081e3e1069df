import type { Command } from 'commander';
import { composeNodeAgent, mockBackends } from '../../agent/compose.js';
import type { AgentConfig } from '../../agent/agent-config.js';
import type { NodeSyncResult } from '../../agent/node-agent.js';
import { ConfigError } from '../../core/errors.js';
import { formatProblem } from '../../core/model/index.js';
import { loadCluster } from '../../sources/load-cluster.js';
import { collect, parseCidrList, parseOutput } from '../options.js';
import { firewallPlanLines } from '../render/firewall-text.js';
import { proxyPlanLines } from '../render/proxy-text.js';
import { routePlanLines } from '../render/route-text.js';

interface AgentOptions {
  file?: string[];
  runRouter?: boolean;
  runFirewall?: boolean;
  runServiceProxy?: boolean;
  hostnameOverride?: string;
  kubeconfig?: string;
  master?: string;
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  masqueradeAll?: boolean;
  backend: string;
  output: 'text' | 'json';
}

function configFrom(options: AgentOptions): AgentConfig {
  return {
    runRouter: options.runRouter ?? false,
    runFirewall: options.runFirewall ?? false,
    runServiceProxy: options.runServiceProxy ?? false,
    clusterCIDRs: parseCidrList('--cluster-cidr', options.clusterCidr),
    serviceClusterIPRanges: parseCidrList('--service-cluster-ip-range', options.serviceClusterIpRange),
    masqueradeAll: options.masqueradeAll ?? false,
    nodePortAddresses: [],
  };
}

function printText(result: NodeSyncResult, header: string): void {
  console.log(`== ${header}`);
  const sections = [
    ['routes', result.route?.report, result.route && routePlanLines(result.route.plan)],
    ['service proxy', result.proxy?.report, result.proxy && proxyPlanLines(result.proxy.plan)],
    ['firewall', result.firewall?.report, result.firewall && firewallPlanLines(result.firewall.plan)],
  ] as const;
  for (const [title, report, lines] of sections) {
    if (!report || !lines) continue;
    const total = report.changed + report.unchanged;
    const what = total === 0 ? 'nothing to program' : `${total} ${total === 1 ? 'fragment' : 'fragments'} programmed`;
    console.log(`  ${title} (${report.backend} backend): ${what}`);
    for (const line of lines) console.log(`    ${line}`);
  }
}

/**
 * `kube-router agent`: the reference agent. With `-f` it reads manifests, programs each node
 * (or only `--hostname-override`) once, and prints what each enabled controller programmed.
 */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the reference agent once over a cluster and print what it programs per node')
    .option('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--run-router', 'route to other nodes\' pod subnets')
    .option('--run-firewall', 'enforce NetworkPolicies')
    .option('--run-service-proxy', 'proxy ClusterIP, NodePort, ExternalIP and LoadBalancer services')
    .option('--hostname-override <node>', 'program only this node (default: every node)')
    .option('--kubeconfig <path>', 'kubeconfig of the cluster to watch')
    .option('--master <url>', 'API server address')
    .option('--cluster-cidr <cidrs>', 'pod CIDRs of the cluster, comma-separated')
    .option('--service-cluster-ip-range <cidrs>', 'service cluster IP ranges, comma-separated')
    .option('--masquerade-all', 'masquerade all traffic to service VIPs')
    .option('--backend <name>', 'backend for every concern (only mock so far)', 'mock')
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .action(async (options: AgentOptions) => {
      if (!options.file?.length) {
        const wanted = options.kubeconfig ?? options.master;
        throw new ConfigError(
          wanted
            ? `watching the API server (${wanted}) is not implemented yet: the Kubernetes source arrives with the agent runtime; give manifests with -f`
            : 'give manifests with -f PATH',
        );
      }
      if (options.backend !== 'mock') {
        throw new ConfigError(`--backend ${options.backend}: only the mock backend exists so far`);
      }
      const config = configFrom(options);
      if (!config.runRouter && !config.runFirewall && !config.runServiceProxy) {
        throw new ConfigError('nothing to run: give --run-router, --run-firewall and/or --run-service-proxy');
      }
      const { snapshot, problems } = await loadCluster(options.file);
      for (const problem of problems) console.error(formatProblem(problem));
      const nodes = options.hostnameOverride ? [snapshot.node(options.hostnameOverride)] : snapshot.nodes();
      if (options.hostnameOverride && nodes[0] === undefined) {
        throw new ConfigError(`--hostname-override: no node "${options.hostnameOverride}" in the cluster`);
      }
      if (nodes.length === 0) throw new ConfigError('the manifests hold no Node objects: nothing to program');
      const results: NodeSyncResult[] = [];
      for (const node of nodes) {
        if (!node) continue;
        const agent = composeNodeAgent(node.name, config, mockBackends);
        const result = await agent.syncOnce(snapshot);
        results.push(result);
        if (options.output === 'text') {
          const cidrs = node.podCIDRs.join(',') || 'no pod CIDR';
          printText(result, `node ${node.name} (${node.internalIPs.join(',')}; pods ${cidrs})`);
        }
      }
      if (options.output === 'json') process.stdout.write(`${JSON.stringify({ nodes: results }, null, 2)}\n`);
    });
}
