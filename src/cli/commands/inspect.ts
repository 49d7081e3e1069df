import type { Command } from 'commander';
import type { ClusterSnapshot } from '../../core/store/snapshot.js';
import { EXIT_INPUT_ERRORS } from '../exit-codes.js';
import { loadClusterInput } from '../input/cluster-input.js';
import { collect, parseOutput } from '../options.js';
import { count } from '../render/plural.js';
import { problemLines } from '../render/problems-text.js';

interface InspectOptions {
  file?: string[];
  output: 'text' | 'json';
}

/** What inspect says about one node, in text and JSON alike. */
interface NodeFacts {
  readonly name: string;
  readonly internalIPs: readonly string[];
  readonly podCIDRs: readonly string[];
  readonly pods: number;
}

function nodeFacts(snapshot: ClusterSnapshot): NodeFacts[] {
  return snapshot.nodes().map((node) => ({
    name: node.name,
    internalIPs: node.internalIPs,
    podCIDRs: node.podCIDRs,
    pods: snapshot.podsOnNode(node.name).length,
  }));
}

function summaryLines(snapshot: ClusterSnapshot, nodes: readonly NodeFacts[]): string[] {
  const counts = snapshot.counts();
  const lines = [
    `nodes ${counts.Node}, namespaces ${counts.Namespace}, pods ${counts.Pod}, services ${counts.Service}, ` +
      `endpoint slices ${counts.EndpointSlice}, network policies ${counts.NetworkPolicy}`,
  ];
  for (const node of nodes) {
    lines.push(`  node ${node.name} ${node.internalIPs.join(',') || '(no InternalIP)'} pod CIDRs ${node.podCIDRs.join(',') || '(none)'}: ${count(node.pods, 'pod')}`);
  }
  return lines;
}

/**
 * `kube-router inspect -f PATH...`: a summary of the cluster and every problem found.
 * Exits 1 when any problem is an error, so scripts can gate on clean manifests.
 */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('load manifests and print a summary of the cluster and every problem found')
    .option('-f, --file <path>', 'manifest file or directory (repeatable; - reads standard input)', collect)
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .action(async (options: InspectOptions) => {
      const { snapshot, problems } = await loadClusterInput(options.file ?? []);
      const errors = problems.filter((problem) => problem.severity === 'error').length;
      const nodes = nodeFacts(snapshot);
      if (options.output === 'json') {
        const output = { counts: snapshot.counts(), nodes, problems };
        process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      } else {
        for (const line of summaryLines(snapshot, nodes)) console.log(line);
        for (const line of problemLines(problems)) console.log(line);
      }
      if (errors > 0) process.exitCode = EXIT_INPUT_ERRORS;
    });
}
