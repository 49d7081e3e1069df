import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { NetworkPolicy } from '../core/model/index.js';
import { planFirewall } from '../core/planner/index.js';
import { canReach } from '../core/simulator/index.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import { loadCluster } from '../sources/load-cluster.js';
import { findManifestFiles } from '../sources/manifest-files.js';
import type { Lab } from './lab.js';
import type { ProbeResult } from './probe.js';
import type { LabPodPlan } from './topology.js';

/** A policy of the cluster and a pod pair it denies that is allowed once the policy is gone. */
export interface PolicyShowcase {
  readonly policy: NetworkPolicy;
  readonly from: LabPodPlan;
  readonly to: LabPodPlan;
  readonly port: number;
  /** The manifests without the policy, written into the run directory. */
  readonly withoutPolicy: string;
  readonly snapshotWithout: ClusterSnapshot;
}

/** Whether the cluster's NetworkPolicies let `from` reach `to` on TCP `port`, per the simulator. */
export function policyAllows(snapshot: ClusterSnapshot, from: string, to: string, port: number): boolean {
  return allowed(snapshot, from, to, port);
}

function allowed(snapshot: ClusterSnapshot, from: string, to: string, port: number): boolean {
  const nodes = [...new Set(snapshot.pods().map((pod) => pod.nodeName).filter((node): node is string => node !== undefined))];
  return canReach(nodes.map((node) => planFirewall(snapshot, node)), { from, to, port, protocol: 'TCP' }).allowed;
}

/** `files` as one manifest file without the NetworkPolicy `namespace/name`. */
async function writeWithout(files: readonly string[], policy: NetworkPolicy, target: string): Promise<void> {
  const kept: string[] = [];
  for (const file of await findManifestFiles(files)) {
    for (const document of parseAllDocuments(await readFile(file, 'utf8'))) {
      const value = document.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (value === null || value === undefined) continue;
      const namespace = value.metadata?.namespace ?? 'default';
      if (value.kind === 'NetworkPolicy' && `${namespace}/${value.metadata?.name}` === policy.key) continue;
      kept.push(document.toString());
    }
  }
  await writeFile(target, kept.join('---\n'));
}

/**
 * Finds a policy whose removal alone lets one pod reach another on the target's first TCP
 * port (per the simulator), and writes the manifests without it into the run directory.
 */
export async function findPolicyShowcase(
  lab: Lab,
  snapshot: ClusterSnapshot,
  manifests: readonly string[],
  pods: readonly LabPodPlan[],
  portOf: (pod: LabPodPlan) => number,
): Promise<PolicyShowcase | undefined> {
  const directory = join(lab.runDir, 'demo');
  await mkdir(directory, { recursive: true });
  for (const policy of snapshot.networkPolicies()) {
    if (!policy.policyTypes.includes('Ingress')) continue;
    const selected = new Set(snapshot.podsMatching(policy.podSelector, policy.namespace).map((pod) => pod.key));
    const denied: [LabPodPlan, LabPodPlan][] = [];
    for (const to of pods.filter((pod) => selected.has(pod.key))) {
      for (const from of pods) {
        if (from !== to && !allowed(snapshot, from.key, to.key, portOf(to))) denied.push([from, to]);
      }
    }
    if (denied.length === 0) continue;
    const withoutPolicy = join(directory, `without-${policy.namespace}-${policy.name}.yaml`.replace(/[^A-Za-z0-9._-]/g, '_'));
    await writeWithout(manifests, policy, withoutPolicy);
    const { snapshot: snapshotWithout } = await loadCluster([withoutPolicy]);
    const pair = denied.find(([from, to]) => allowed(snapshotWithout, from.key, to.key, portOf(to)));
    if (pair) return { policy, from: pair[0], to: pair[1], port: portOf(pair[1]), withoutPolicy, snapshotWithout };
  }
  return undefined;
}

/** Probes until the probe's outcome is `connected` or `timeoutMs` has passed; returns the last probe. */
export async function probeUntil(lab: Lab, request: Parameters<Lab['probe']>[0], connected: boolean, timeoutMs = 10_000): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await lab.probe(request);
    if (result.connected === connected || Date.now() > deadline) return result;
    await new Promise((done) => setTimeout(done, 200));
  }
}
