/**
 * `kube-router/lab`: a cluster's nodes and pods as Linux network namespaces on one machine,
 * with real bridges, veths, an isolated underlay and pod servers that answer probes with
 * their identity. Needs root; never touches the root network namespace.
 *
 * @module kube-router/lab
 */
export { Lab } from './lab.js';
export type { LabAttachOptions, LabEnvironmentOptions, LabUpOptions, MatrixOptions } from './lab.js';
export { LabConfigError, LabError } from './errors.js';
export { kernelHas, requireKernelFeature } from './kernel-features.js';
export type { KernelFeature } from './kernel-features.js';
export type { LabApplyResult } from './lab-apply.js';
export type { LabAgentOptions } from './node-agents.js';
export { AGENT_READY_TIMEOUT_MS, AGENT_STOP_TIMEOUT_MS, manifestsFile } from './node-agents.js';
export type { LabAgentRecord, LabAgentSettings, LabRunState } from './run-state.js';
export type { ProbeError, ProbeRequest, ProbeResult } from './probe.js';
export { DEFAULT_PROBE_TIMEOUT_MS } from './probe.js';
export type { MatrixResult } from './matrix.js';
export { cellOf, formatMatrix, matrixRequests } from './matrix.js';
export type { PodServersReport } from './pod-servers.js';
export { planTopology, podPorts, DEFAULT_POD_PORTS } from './topology.js';
export type {
  LabClientPlan,
  LabNodePlan,
  LabPodPlan,
  LabPort,
  LabProtocol,
  LabRouterLeg,
  LabRouterPlan,
  LabTopology,
  LabUnderlayPlan,
  SkippedPod,
  TopologyOptions,
} from './topology.js';
export { removeAllRuns, removeLeftovers } from './teardown.js';
export { DEFAULT_STATE_ROOT } from './run-state.js';
export { LAB_NETNS_PREFIX, NODE_BRIDGE } from './names.js';
export { formatLabSummary, formatProbe } from './report.js';
export { runLabDemo } from './demo.js';
export { routeServiceAddresses, withDataplaneLab } from './dataplane-run.js';
export type { DataplaneLabOptions } from './dataplane-run.js';
export { DATAPLANE_VM_TIMEOUT_MS, guestCliOf, IPVS_LAB_MODULES, kernelVmMissing, runCliInKernelVm } from './dataplane-vm.js';
export type { CliInKernelVmOptions, GuestCli } from './dataplane-vm.js';
export { DATAPLANE_PROBE_TIMEOUT_MS, dataplaneMatrix, matricesOf, probeAllowed } from './dataplane-matrix.js';
export type { DataplaneMatrix } from './dataplane-matrix.js';
export { DATAPLANE_TRACE_TRIES, dataplaneTrace, ownerOf, traceOf, traceTriesFor } from './dataplane-trace.js';
export type { DataplaneTraceQuery, DataplaneTraceResult } from './dataplane-trace.js';
export type { DemoStep, LabDemoOptions } from './demo.js';
export * from './vm/index.js';
