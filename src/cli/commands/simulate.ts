import { Option, type Command } from 'commander';
import { formatProblem } from '../../core/model/index.js';
import { kernelHas } from '../../lab/index.js';
import { loadCluster } from '../../sources/load-cluster.js';
import { collect } from '../options.js';
import { dataplaneMatrixAnswer, dataplaneOf, dataplaneTraceAnswer, traceInKernelVm } from './simulate-dataplane.js';
import { modeOf, parseSimulateOutput, traceQueriesOf, type SimulateOptions } from './simulate-options.js';
import { simulateExplain, simulateMatrix, simulateTrace } from './simulate-plans.js';

/**
 * `kube-router simulate`: answers questions from the plans of a cluster read from manifests.
 *
 * - `--matrix [--port N]... [--protocol P]...`: who may connect to whom under the
 *   NetworkPolicies, for every running non-hostNetwork pod with an IP (a pod to itself
 *   included), one matrix per port and protocol, ports in the order given and for each port the
 *   protocols in the order given (defaults: 80, TCP; repeats are asked once). JSON:
 *   `{"results":[{"port","protocol","matrix":{from:{to:bool}}}]}`.
 * - `--explain --from NS/POD --to NS/POD --port N [--protocol P]`: which policy and rule
 *   allow each direction, or why not. JSON: `{"allowed","explain"}`.
 * - `--node NAME --from IP --to IP --port N [--protocol P] [--cluster-cidr]
 *   [--service-cluster-ip-range] [--masquerade-all] [--nodeport-addresses]`: what node NAME's service proxy does with that packet. JSON:
 *   `{"verdict","backends","masquerade","explain"}`.
 * - `--dataplane iptables|nftables` (root) with `--matrix` or `--node`: the same JSON, answered
 *   by real traffic in the lab (the manifests brought up as network namespaces, the reference
 *   agent in every node with netlink routes and that firewall or proxy backend), torn down
 *   afterwards, also on failure or SIGINT. `--matrix`: a cell is true when the target pod
 *   answered (every pod serves every asked port, so a failed probe was filtered). `--node`:
 *   `backends` are the endpoints that answered over `DATAPLANE_TRACE_TRIES` connections (`kube-router/lab`),
 *   `masquerade` whether one saw a source other than `--from`. `--dataplane ipvs` (`--node`
 *   only): on a kernel without IPVS the question goes to the kernel VM (see `lab vm`; needs
 *   qemu and Debian's kernel), where this same CLI answers it with the agents' IPVS proxy in
 *   a lab of its own; its output and exit code become this run's, and a line on stderr says
 *   so with the boot and run times. Where the VM cannot run, one line names what is missing.
 *   SCTP is refused.
 *
 * Protocols are read in any case and printed upper case. Bad flags, an unknown node or pod, an
 * invalid IP and conflicting modes print one line on stderr and exit 2.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('answer reachability (NetworkPolicy) and packet trace (service proxy) questions from plans')
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--matrix', 'who may connect to whom, for every pod pair')
    .option('--explain', 'why --from may or may not connect to --to (pods)')
    .option('--node <name>', 'trace a packet through this node\'s service proxy')
    .option('--from <pod-or-ip>', 'source: NAMESPACE/POD with --explain, an IP with --node')
    .option('--to <pod-or-ip>', 'destination: NAMESPACE/POD with --explain, an IP with --node')
    .option('--port <n>', 'destination port (repeatable with --matrix; default 80 there)', collect)
    .option('--protocol <p>', 'TCP, UDP or SCTP (repeatable with --matrix; default TCP)', collect)
    .option('--cluster-cidr <cidrs>', 'pod CIDRs of the cluster, comma-separated (with --node)')
    .option('--service-cluster-ip-range <cidrs>', 'service CIDRs, comma-separated: their addresses no service holds are refused (with --node)')
    .option('--masquerade-all', 'masquerade all traffic to service VIPs (with --node)')
    .option('--nodeport-addresses <cidrs>', 'CIDRs of the node addresses NodePorts listen on (with --node)')
    .option('--dataplane <target>', 'answer with real traffic in the lab instead of the plans: iptables or nftables (or ipvs with --node, in the kernel VM where this kernel has no IPVS); needs root')
    .option('--route-backend <name>', 'with --dataplane: the agents\' route backend, netlink (default) or mock')
    // For tests and the kernel VM hand-off: several --node questions in one run (one lab), and
    // the run inside the VM, which allows for emulation. Not part of the command's interface.
    .addOption(new Option('--queries <json>', 'JSON array of {"from","to","port"[,"protocol","node"]} instead of --from/--to/--port/--protocol').hideHelp())
    .addOption(new Option('--in-kernel-vm', 'this run is the kernel VM\'s own: longer waits for emulation, and no VM of its own').hideHelp())
    .option('-o, --output <format>', 'json or table', parseSimulateOutput, 'table')
    .action(async (options: SimulateOptions) => {
      const mode = modeOf(options);
      const dataplane = dataplaneOf(options, mode);
      const { snapshot, problems } = await loadCluster(options.file);
      const traces = mode === '--node' ? traceQueriesOf(snapshot, options, options.node ?? '') : undefined;
      if (traces !== undefined && dataplane === 'ipvs' && !options.inKernelVm && !(await kernelHas('ipvs'))) {
        // The guest loads the same manifests and prints their problems itself.
        await traceInKernelVm(snapshot, options, options.node ?? '', traces);
        return;
      }
      const answer = dataplane !== undefined
        ? traces === undefined
          ? await dataplaneMatrixAnswer(snapshot, options, dataplane as 'iptables' | 'nftables')
          : await dataplaneTraceAnswer(snapshot, options, traces, dataplane)
        : mode === '--matrix'
          ? simulateMatrix(snapshot, options)
          : traces === undefined
            ? simulateExplain(snapshot, options)
            : simulateTrace(snapshot, options, traces);
      // Problems in the manifests are warnings of a run that answered; a run that fails says
      // only why, in one line.
      for (const problem of problems) console.error(formatProblem(problem));
      if (options.output === 'json') process.stdout.write(`${JSON.stringify(answer.json, null, 2)}\n`);
      else process.stdout.write(`${answer.lines().join('\n')}\n`);
    });
}
