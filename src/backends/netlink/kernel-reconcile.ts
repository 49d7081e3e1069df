import { BackendError } from '../../core/errors.js';
import type { RoutePlan, TunnelPlan } from '../../core/plan/route-plan.js';
import type { KernelRoute, LinkSpec, NetlinkPort } from '../../core/ports/netlink.js';
import type { OperationBatch } from './operation-batch.js';
import { routeInTheWay, type RouteKernelWriter } from './route-kernel-writer.js';
import { routeMatches, routeSpec, type RouteOwnership } from './route-specs.js';
import { canonicalCidr } from './rtnetlink/ip-bytes.js';
import type { TunnelRegistry } from './tunnel-registry.js';
import {
  ipipLinkSpec,
  isOwnedTunnelLink,
  isVxlanDeviceName,
  sameVxlanDevice,
  TUNNEL_NAME_PREFIX,
  vxlanDeviceSpec,
  vxlanPeer,
  type VxlanPeer,
} from './tunnel-links.js';

function slotKey(route: { family: string; destination: string; metric?: number | undefined }): string {
  return `${route.family}|${route.destination}|${route.metric ?? (route.family === 'IPv6' ? 1024 : 0)}`;
}

/** The links and VXLAN peers the plan wants. */
interface WantedTunnels {
  readonly links: Map<string, LinkSpec>;
  readonly peers: VxlanPeer[];
}

function wantedTunnels(plan: RoutePlan, registry: TunnelRegistry, batch: OperationBatch): WantedTunnels {
  const links = new Map<string, LinkSpec>();
  const peers: VxlanPeer[] = [];
  registry.resetVxlan();
  for (const [, tunnel] of plan.tunnels.entries()) {
    try {
      addWanted(tunnel, links, peers, registry);
    } catch (error) {
      batch.record(error);
    }
  }
  return { links, peers };
}

function addWanted(tunnel: TunnelPlan, links: Map<string, LinkSpec>, peers: VxlanPeer[], registry: TunnelRegistry): void {
  if (tunnel.type !== 'vxlan') {
    links.set(tunnel.name, ipipLinkSpec(tunnel));
    return;
  }
  const spec = vxlanDeviceSpec(tunnel);
  const device = links.get(spec.name);
  if (device !== undefined && !sameVxlanDevice(device, spec)) {
    throw new BackendError('netlink', ['link', 'add', tunnel.name], undefined, '',
      `tunnel ${tunnel.name}: its VNI, port or local address differs from the other VXLAN tunnels of its family, which share one device`);
  }
  if (device === undefined) {
    links.set(spec.name, spec);
    registry.setVxlanDevice(tunnel.family, spec);
  }
  registry.joinVxlan(tunnel.family, tunnel.name);
  peers.push(vxlanPeer(tunnel));
}

/**
 * Makes the kernel match the whole plan from what the kernel says, not from memory: the first
 * sync (state left by an earlier run), a periodic resync (`resync: true`), and the sync after
 * one that failed. It reads links, the VXLAN neighbours and forwarding entries, and the table's
 * routes once each, then writes only what differs:
 *
 * - links (IPIP/FOU tunnels, shared VXLAN devices): missing ones created, drifted ones repaired
 *   (MTU, endpoints, down, alias), ones of ours the plan no longer needs deleted; a link of a
 *   wanted name that is neither ours nor of the wanted kind is left alone and reported;
 * - VXLAN peers: missing or wrong neighbours and forwarding entries replaced, stale ones on
 *   our devices deleted;
 * - routes: missing ones added, ours that differ replaced, ours the plan does not hold
 *   deleted; another protocol's route in a slot the plan wants is left alone and reported.
 */
export async function reconcileWithKernel(
  plan: RoutePlan,
  port: NetlinkPort,
  writer: RouteKernelWriter,
  registry: TunnelRegistry,
  batch: OperationBatch,
  ownership: RouteOwnership,
): Promise<void> {
  const wanted = wantedTunnels(plan, registry, batch);
  const links = await port.listLinks();
  const linkByName = new Map(links.map((link) => [link.name, link]));
  await batch.forEach(wanted.links.values(), async (spec) => {
    const listed = linkByName.get(spec.name);
    if (listed === undefined) {
      await writer.createLink(spec);
      return;
    }
    if (!(isOwnedTunnelLink(listed) || writer.ownedLinks.has(spec.name) || listed.kind === spec.tunnel.kind)) {
      throw new BackendError('netlink', ['link', 'add', spec.name], undefined, '', `a ${listed.kind ?? 'plain'} link named ${spec.name} exists and is not ours`);
    }
    writer.ownedLinks.add(spec.name);
    await writer.repairLink(spec, listed);
  });

  const stale = links.filter((link) => link.name.startsWith(TUNNEL_NAME_PREFIX)
    && (isOwnedTunnelLink(link) || writer.ownedLinks.has(link.name)) && !wanted.links.has(link.name));
  await batch.forEach(stale, (link) => writer.deleteLink(link.name));

  await reconcileVxlanPeers(wanted, port, batch);
  await reconcileRoutes(plan, await port.listRoutes({ table: ownership.table }), writer, batch, ownership);
}

async function reconcileVxlanPeers(wanted: WantedTunnels, port: NetlinkPort, batch: OperationBatch): Promise<void> {
  const devices = [...wanted.links.keys()].filter(isVxlanDeviceName);
  if (devices.length === 0) return;
  const neighbours = (await port.listNeighbours()).filter((entry) => devices.includes(entry.device));
  const fdb = (await port.listFdb()).filter((entry) => devices.includes(entry.device));
  const neighbourKey = (entry: { device: string; address: string }): string => `${entry.device}|${entry.address}`;
  const fdbKey = (entry: { device: string; lladdr: string }): string => `${entry.device}|${entry.lladdr}`;
  const listedNeighbours = new Map(neighbours.map((entry) => [neighbourKey(entry), entry]));
  const listedFdb = new Map(fdb.map((entry) => [fdbKey(entry), entry]));
  await batch.forEach(wanted.peers, async (peer) => {
    const neighbour = listedNeighbours.get(neighbourKey(peer.neighbour));
    const forwarding = listedFdb.get(fdbKey(peer.fdb));
    if (forwarding?.destination !== peer.fdb.destination) await port.replaceFdb(peer.fdb);
    if (neighbour === undefined || !neighbour.permanent || neighbour.lladdr !== peer.neighbour.lladdr) await port.replaceNeighbour(peer.neighbour);
  });
  const wantedNeighbours = new Set(wanted.peers.map((peer) => neighbourKey(peer.neighbour)));
  const wantedFdb = new Set(wanted.peers.map((peer) => fdbKey(peer.fdb)));
  await batch.forEach(neighbours.filter((entry) => entry.permanent && !wantedNeighbours.has(neighbourKey(entry))), (entry) =>
    port.deleteNeighbour(entry));
  await batch.forEach(fdb.filter((entry) => !wantedFdb.has(fdbKey(entry))), (entry) => port.deleteFdb(entry));
}

async function reconcileRoutes(
  plan: RoutePlan,
  listed: readonly KernelRoute[],
  writer: RouteKernelWriter,
  batch: OperationBatch,
  ownership: RouteOwnership,
): Promise<void> {
  const bySlot = new Map<string, KernelRoute>();
  for (const route of listed) {
    const key = slotKey(route);
    // Where two share a slot (IPv6 lists multipath siblings apart), ours is the one to compare.
    if (!bySlot.has(key) || route.protocol === ownership.protocol) bySlot.set(key, route);
  }
  const tunnelOf = (name: string): TunnelPlan | undefined => plan.tunnels.get(name);
  const wantedSlots = new Set<string>();
  const jobs: (() => Promise<void>)[] = [];
  for (const [, route] of plan.routes.entries()) {
    jobs.push(async () => {
      const spec = routeSpec(route, ownership, tunnelOf);
      const occupant = bySlot.get(slotKey(spec));
      if (occupant === undefined) await writer.addRoute(spec);
      else if (occupant.protocol !== ownership.protocol) throw routeInTheWay(spec.destination, occupant.protocol);
      else if (!routeMatches(occupant, spec)) await writer.replaceRoute(spec);
    });
    wantedSlots.add(slotKey({ family: route.family, destination: canonicalCidr(route.destination) }));
  }
  for (const route of listed) {
    if (route.protocol !== ownership.protocol || wantedSlots.has(slotKey(route))) continue;
    const selector = { family: route.family, destination: canonicalCidr(route.destination), table: route.table, protocol: route.protocol, metric: route.metric };
    jobs.push(() => writer.deleteRoute(selector));
  }
  await batch.forEach(jobs, (job) => job());
}
