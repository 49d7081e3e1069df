import type { Command } from 'commander';
import { formatProblem } from '../../core/model/index.js';
import type { ClusterSnapshot } from '../../core/store/snapshot.js';
import { loadCluster } from '../../sources/load-cluster.js';
import { collect, parseOutput } from '../options.js';

interface InspectOptions {
  file: string[];
  output: 'text' | 'json';
}

function summaryLines(snapshot: ClusterSnapshot): string[] {
  const counts = snapshot.counts();
  const lines = [
    `nodes ${counts.Node}, namespaces ${counts.Namespace}, pods ${counts.Pod}, services ${counts.Service}, ` +
      `endpoint slices ${counts.EndpointSlice}, network policies ${counts.NetworkPolicy}`,
  ];
  for (const node of snapshot.nodes()) {
    const pods = snapshot.podsOnNode(node.name).length;
    const podCount = `${pods} ${pods === 1 ? 'pod' : 'pods'}`;
    lines.push(`  node ${node.name} ${node.internalIPs.join(',') || '(no InternalIP)'} pod CIDRs ${node.podCIDRs.join(',') || '(none)'}: ${podCount}`);
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
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .action(async (options: InspectOptions) => {
      const { snapshot, problems } = await loadCluster(options.file);
      const errors = problems.filter((problem) => problem.severity === 'error').length;
      if (options.output === 'json') {
        const output = { counts: snapshot.counts(), nodes: snapshot.nodes().map((node) => node.name), problems };
        process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      } else {
        for (const line of summaryLines(snapshot)) console.log(line);
        console.log(problems.length === 0 ? 'no problems' : `${problems.length} problems (${errors} errors, ${problems.length - errors} warnings):`);
        for (const problem of problems) console.log(`  ${formatProblem(problem)}`);
      }
      if (errors > 0) process.exitCode = 1;
    });
}
