import type { CommandRunner } from '../core/ports/command-runner.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import { ipFamilyOf } from '../core/model/ip-family.js';
import { cidrContains, prefixLengthOf } from './addresses.js';
import { LabConfigError } from './errors.js';
import { NODE_SYSCTLS, nodeBatch, nodeUplinkLines, podBatch, podVethLines, type NetnsBatch } from './ip-batches.js';
import { addNetns, execInNetns, runBatch } from './netns.js';
import { startNodeAgent, stopNodeAgents, waitForAgentsReady, writeRunManifests } from './node-agents.js';
import { startPodServers } from './pod-servers.js';
import { writeRunState, type LabAgentRecord, type LabRunState } from './run-state.js';
import { removeNamespaces } from './teardown.js';
import { nodeProblems, planNode, planPods, type LabNodePlan, type LabPodPlan, type LabTopology } from './topology.js';

/** What `lab apply` changed. */
export interface LabApplyResult {
  /** Names of the nodes built. */
  readonly addedNodes: readonly string[];
  /** Names of the nodes removed (agent stopped, namespace deleted). */
  readonly removedNodes: readonly string[];
  /** Keys of the pods built (new, or rebuilt because their node, IPs or ports changed). */
  readonly addedPods: readonly string[];
  /** Keys of the pods removed (or rebuilt). */
  readonly removedPods: readonly string[];
  /** The run's state after the change. */
  readonly state: LabRunState;
}

type ClusterView = Pick<ClusterSnapshot, 'nodes' | 'pods'>;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/**
 * Makes a running lab follow new manifests: replaces the manifests its agents watch, removes
 * the namespaces of nodes and pods that are gone (their agents first), and builds those of
 * nodes and pods that are new (numbered after every index in use; what a removed node or pod
 * left is deleted by name first, so a reused number meets nothing of the old one),
 * with a pod server daemon of their own and, when the run has agents, an agent per new node.
 * Nodes and pods that stay are not touched. A pod whose node, IPs or ports changed is rebuilt.
 *
 * @throws LabConfigError before changing anything, for a node whose InternalIP or pod CIDR
 *   changed, or a new node on no existing underlay subnet (neither is implemented yet)
 */
export async function applyToRun(
  runner: CommandRunner,
  runDir: string,
  state: LabRunState,
  snapshot: ClusterView,
  manifests: readonly string[],
): Promise<LabApplyResult> {
  const old = state.topology;
  const plan = planChange(old, snapshot);

  // Gone first, so nothing of theirs lingers while the new ones are built.
  const agents = state.agents ?? [];
  await stopNodeAgents(agents.filter((agent) => plan.removedNodes.some((node) => node.name === agent.node)));
  const unlinks: NetnsBatch[] = [];
  for (const pod of plan.removedPods) {
    const node = plan.nodes.find((candidate) => candidate.name === pod.node);
    // The pod server daemon holds the pod's sockets, which keep its namespace alive unnamed:
    // the veth is deleted by name so the pod leaves its node's bridge now.
    if (node && !pod.hostNetwork) unlinks.push({ netns: node.netns, lines: [`link delete ${pod.hostInterface}`] });
  }
  for (const node of plan.removedNodes) {
    const underlay = old.underlays[node.underlay];
    if (underlay) unlinks.push({ netns: underlay.netns, lines: [`link delete ${node.uplinkInterface}`] });
  }
  await Promise.all(unlinks.map((batch) => runBatch(runner, batch).catch(() => undefined)));
  await removeNamespaces(runner, [
    ...plan.removedPods.filter((pod) => !pod.hostNetwork).map((pod) => pod.netns),
    ...plan.removedNodes.map((node) => node.netns),
  ]);

  await addNetns(runner, [...plan.addedNodes.map((node) => node.netns), ...plan.addedPods.filter((pod) => !pod.hostNetwork).map((pod) => pod.netns)]);
  const uplinks = old.underlays.map((underlay) => ({
    netns: underlay.netns,
    lines: plan.addedNodes.filter((node) => node.underlay === underlay.index).flatMap(nodeUplinkLines),
  }));
  await Promise.all(uplinks.map((batch) => runBatch(runner, batch)));
  const added = new Set(plan.addedNodes);
  await Promise.all(plan.nodes.map((node) =>
    runBatch(runner, added.has(node) ? nodeBatch(node, plan.addedPods) : { netns: node.netns, lines: podVethLines(node, plan.addedPods) })));
  await Promise.all(plan.addedNodes.map((node) => execInNetns(runner, node.netns, ['sysctl', '-q', '-w', ...NODE_SYSCTLS])));
  await Promise.all(plan.addedPods.filter((pod) => !pod.hostNetwork).map((pod) => runBatch(runner, podBatch(pod))));
  const extraDaemonPids = [...(state.extraDaemonPids ?? [])];
  if (plan.addedPods.length > 0) {
    const servers = await startPodServers(runDir, plan.addedPods, state.detached, `apply-${Date.now()}`);
    extraDaemonPids.push(servers.pid);
  }

  await writeRunManifests(runDir, manifests);
  const topology: LabTopology = { ...old, nodes: plan.nodes, pods: plan.pods, skipped: plan.skipped };
  const keptAgents = agents.filter((agent) => !plan.removedNodes.some((node) => node.name === agent.node));
  let next: LabRunState = { ...state, topology, extraDaemonPids, agents: keptAgents };
  await writeRunState(runDir, next);
  if (state.agentSettings && plan.addedNodes.length > 0) {
    const settings = state.agentSettings;
    const started: LabAgentRecord[] = [];
    for (const node of plan.addedNodes) started.push(await startNodeAgent(runDir, node, settings));
    next = { ...next, agents: [...keptAgents, ...started] };
    await writeRunState(runDir, next);
    await waitForAgentsReady(started);
  }
  return {
    addedNodes: plan.addedNodes.map((node) => node.name),
    removedNodes: plan.removedNodes.map((node) => node.name),
    addedPods: plan.addedPods.map((pod) => pod.key),
    removedPods: plan.removedPods.map((pod) => pod.key),
    state: next,
  };
}

/** A lab's next topology and how it differs from the running one. */
export interface PlannedChange {
  /** Every node after the change: those kept (unchanged plans), then those added. */
  readonly nodes: LabNodePlan[];
  /** Every pod after the change. */
  readonly pods: LabPodPlan[];
  /** Pods the lab leaves out, and why. */
  readonly skipped: LabTopology['skipped'];
  readonly addedNodes: LabNodePlan[];
  readonly removedNodes: LabNodePlan[];
  readonly addedPods: LabPodPlan[];
  readonly removedPods: LabPodPlan[];
}

/** The new topology and the difference, without touching anything. */
export function planChange(old: LabTopology, snapshot: ClusterView): PlannedChange {
  const wanted = snapshot.nodes();
  const reasons: string[] = [];
  const kept: LabNodePlan[] = [];
  const addedNodes: LabNodePlan[] = [];
  let nextNodeIndex = Math.max(-1, ...old.nodes.map((node) => node.index)) + 1;
  for (const node of wanted) {
    const before = old.nodes.find((candidate) => candidate.name === node.name);
    const problems = nodeProblems(node);
    if (problems.length > 0) {
      reasons.push(...problems);
      continue;
    }
    const v4 = node.internalIPs.find((ip) => ipFamilyOf(ip) === 'IPv4') as string;
    if (before) {
      if (!before.internalIPs.includes(v4) || !sameList(before.podCIDRs, node.podCIDRs)) {
        reasons.push(`node ${node.name}: changing a node's InternalIP or pod CIDRs in a running lab is not implemented yet (remove it with one apply, add it with the next)`);
      } else {
        kept.push(before);
      }
      continue;
    }
    const underlay = old.underlays.find((candidate) => cidrContains(candidate.subnets[0] as string, v4));
    if (!underlay) {
      reasons.push(`node ${node.name}: ${v4} is on none of the lab's underlay subnets; adding a subnet to a running lab is not implemented yet (lab down, then lab up)`);
      continue;
    }
    const subnet6 = underlay.subnets[1];
    const gateways = old.router?.legs[underlay.index]?.addresses.map((address) => address.split('/')[0] as string) ?? [];
    addedNodes.push(planNode(old.runId, node, nextNodeIndex++, underlay.index, underlay.subnets[0] as string,
      subnet6 === undefined ? 64 : prefixLengthOf(subnet6), gateways));
  }
  if (reasons.length > 0) throw new LabConfigError(reasons);
  const nodes = [...kept, ...addedNodes];
  const removedNodes = old.nodes.filter((node) => !nodes.includes(node));

  const candidates = planPods(snapshot.pods(), nodes, old.runId, 0, old.extraPodPorts ?? []);
  const keptPods: LabPodPlan[] = [];
  const changedKeys = new Set<string>();
  for (const candidate of candidates.pods) {
    const before = old.pods.find((pod) => pod.key === candidate.key);
    const same = before !== undefined && kept.some((node) => node.name === before.node) && before.node === candidate.node &&
      before.hostNetwork === candidate.hostNetwork && sameList(before.ips, candidate.ips) &&
      JSON.stringify(before.ports) === JSON.stringify(candidate.ports);
    if (same) keptPods.push(before);
    else changedKeys.add(candidate.key);
  }
  const firstIndex = Math.max(-1, ...old.pods.map((pod) => pod.index)) + 1;
  const addedPods = planPods(snapshot.pods().filter((pod) => changedKeys.has(pod.key)), nodes, old.runId, firstIndex, old.extraPodPorts ?? []).pods;
  const removedPods = old.pods.filter((pod) => !keptPods.includes(pod));
  return { nodes, pods: [...keptPods, ...addedPods], skipped: candidates.skipped, addedNodes, removedNodes, addedPods, removedPods };
}
