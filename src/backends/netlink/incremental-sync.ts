import type { PodSubnetRoute, RoutePlan, TunnelPlan } from '../../core/plan/route-plan.js';
import type { ChangedFragment, FragmentWork } from './fragment-work.js';
import type { OperationBatch } from './operation-batch.js';
import type { RouteKernelWriter } from './route-kernel-writer.js';
import { routeSelector, routeSpec, type RouteOwnership } from './route-specs.js';
import type { TunnelRegistry } from './tunnel-registry.js';
import { ipipLinkSpec, sameVxlanDevice, stateOf, vxlanDeviceName, vxlanDeviceSpec, vxlanPeer } from './tunnel-links.js';

/** What an incremental sync works from. */
export interface IncrementalWork {
  readonly plan: RoutePlan;
  readonly routes: FragmentWork<PodSubnetRoute>;
  readonly tunnels: FragmentWork<TunnelPlan>;
}

/**
 * True when the changed tunnels can be applied one by one: false when one would need the
 * shared VXLAN device of its family built differently (the overlay's VNI, port or this node's
 * address changed), which rebuilds every tunnel of the family: a job for the kernel read.
 */
export function canApplyIncrementally(work: IncrementalWork, registry: TunnelRegistry): boolean {
  return work.tunnels.changed.every(({ value }) => {
    if (value.type !== 'vxlan') return true;
    const device = registry.vxlanDevice(value.family);
    return device === undefined || sameVxlanDevice(device, vxlanDeviceSpec(value));
  });
}

/**
 * Writes only what changed since the last programmed plan, trusting the backend's memory of
 * the kernel (no reads): tunnels first (a route needs its device), then routes, then removed
 * routes, then removed tunnels. Adding or removing one node therefore costs a handful of
 * requests whatever the cluster's size. An IPIP link that had to be created anew (its FOU port
 * changed) lost its routes in the kernel, so they are added again: the one step that scans the
 * plan's routes, and it happens only on such a change. Call only when
 * {@link canApplyIncrementally} says so.
 */
export async function applyIncrementally(
  work: IncrementalWork,
  writer: RouteKernelWriter,
  registry: TunnelRegistry,
  batch: OperationBatch,
  ownership: RouteOwnership,
): Promise<void> {
  const recreated = new Set<string>();
  // One at a time: the first VXLAN tunnel of a family creates the device the others share.
  const tunnelWriter = batchOfOne(batch);
  await tunnelWriter.forEach(work.tunnels.changed, async ({ value, previous }) => {
    if (previous !== undefined && (previous.type !== value.type || previous.family !== value.family)) {
      await removeTunnel(previous, writer, registry);
      await addTunnel(value, writer, registry);
    } else if (previous === undefined) {
      await addTunnel(value, writer, registry);
    } else if (value.type === 'vxlan') {
      await changeVxlanTunnel(previous, value, writer, registry);
    } else if (await writer.repairLink(ipipLinkSpec(value), stateOf(ipipLinkSpec(previous)))) {
      recreated.add(value.name);
    }
  });

  const routeJobs: ChangedFragment<PodSubnetRoute>[] = [...work.routes.changed];
  if (recreated.size > 0) {
    const changedKeys = new Set(routeJobs.map((job) => job.key));
    for (const [key, route] of work.plan.routes.entries()) {
      if (route.device !== undefined && recreated.has(route.device) && !changedKeys.has(key)) routeJobs.push({ key, value: route });
    }
  }
  const tunnelOf = (name: string): TunnelPlan | undefined => work.plan.tunnels.get(name);
  await batch.forEach(routeJobs, async ({ value, previous }) => {
    const spec = routeSpec(value, ownership, tunnelOf);
    const throughRecreated = value.device !== undefined && recreated.has(value.device);
    if (previous === undefined || throughRecreated) await writer.addRoute(spec);
    else await writer.replaceRoute(spec);
  });

  await batch.forEach(work.routes.removed, ({ previous }) => writer.deleteRoute(routeSelector(previous, ownership)));
  await tunnelWriter.forEach(work.tunnels.removed, ({ previous }) => removeTunnel(previous, writer, registry));
}

function batchOfOne(batch: OperationBatch): Pick<OperationBatch, 'forEach'> {
  return {
    forEach: async <T>(items: Iterable<T>, work: (item: T) => Promise<void>): Promise<void> => {
      for (const item of items) await batch.attempt(() => work(item));
    },
  };
}

async function addTunnel(tunnel: TunnelPlan, writer: RouteKernelWriter, registry: TunnelRegistry): Promise<void> {
  if (tunnel.type !== 'vxlan') {
    await writer.createLink(ipipLinkSpec(tunnel));
    return;
  }
  const spec = vxlanDeviceSpec(tunnel);
  const device = registry.vxlanDevice(tunnel.family);
  if (device === undefined) {
    await writer.createLink(spec);
    registry.setVxlanDevice(tunnel.family, spec);
  } else if (device.mtu !== spec.mtu && spec.mtu !== undefined) {
    await writer.repairLink(spec, stateOf(device));
    registry.setVxlanDevice(tunnel.family, spec);
  }
  registry.joinVxlan(tunnel.family, tunnel.name);
  await writer.addVxlanPeer(vxlanPeer(tunnel));
}

async function changeVxlanTunnel(previous: TunnelPlan, next: TunnelPlan, writer: RouteKernelWriter, registry: TunnelRegistry): Promise<void> {
  const before = vxlanPeer(previous);
  const after = vxlanPeer(next);
  if (before.fdb.destination !== after.fdb.destination) {
    await writer.removeVxlanPeer(before);
    await writer.addVxlanPeer(after);
  }
  const device = registry.vxlanDevice(next.family);
  const spec = vxlanDeviceSpec(next);
  if (device !== undefined && device.mtu !== spec.mtu) {
    await writer.repairLink(spec, stateOf(device));
    registry.setVxlanDevice(next.family, spec);
  }
}

async function removeTunnel(tunnel: TunnelPlan, writer: RouteKernelWriter, registry: TunnelRegistry): Promise<void> {
  if (tunnel.type !== 'vxlan') {
    await writer.deleteLink(tunnel.name);
    return;
  }
  if (registry.leaveVxlan(tunnel.family, tunnel.name)) await writer.deleteLink(vxlanDeviceName(tunnel.family));
  else await writer.removeVxlanPeer(vxlanPeer(tunnel));
}
