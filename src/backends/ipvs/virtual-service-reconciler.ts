/**
 * The diff of one service port against what the IPVS proxy programmed: its virtual services
 * added, edited or deleted, and their real servers added, edited, or set to weight 0 to drain
 * (see `./real-server-drain.ts`); a returning server gets its weight back. Only the service
 * port's own virtual services are looked at.
 *
 * @module
 */
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { IpvsPort, RealServer } from '../../core/ports/ipvs.js';
import { isNetlinkError } from '../../core/ports/netlink.js';
import type { ProgrammedServices } from './programmed-services.js';
import type { RealServerDrain } from './real-server-drain.js';
import { sameServerSettings, sameServiceSettings, virtualServiceSpecs, type DsrMarkLookup, type VirtualServiceSpec } from './ipvs-service-specs.js';

/** Makes the kernel's IPVS table hold what a plan wants, one service port at a time. */
export class VirtualServiceReconciler {
  /**
   * @param port the IPVS table
   * @param programmed what was programmed, updated as requests succeed
   * @param drain where servers that leave start draining
   * @param dsrMarks the firewall marks of DSR frontends (none: DSR is not served)
   */
  constructor(
    private readonly port: IpvsPort,
    private readonly programmed: ProgrammedServices,
    private readonly drain: RealServerDrain,
    private readonly dsrMarks?: DsrMarkLookup,
  ) {}

  /** Makes the kernel hold what `plan` wants for service port `key` (nothing when absent from it, or no plan). */
  async reconcile(plan: ProxyPlan | undefined, key: string): Promise<void> {
    const servicePort = plan?.servicePorts.get(key);
    const desired = plan !== undefined && servicePort !== undefined ? virtualServiceSpecs(plan, servicePort, this.dsrMarks) : new Map<string, VirtualServiceSpec>();
    for (const id of this.programmed.ownedBy(key)) if (!desired.has(id)) await this.deleteService(id);
    for (const spec of desired.values()) {
      let current = this.programmed.get(spec.id);
      // Another service port's frontend at the same address and port keeps it.
      if (current !== undefined && current.owner !== key && plan?.servicePorts.has(current.owner) === true) continue;
      if (current === undefined) {
        await this.port.addService(spec.service);
        current = { service: spec.service, owner: key, localAddress: spec.localAddress, servers: new Map() };
      } else if (!sameServiceSettings(current.service, spec.service)) {
        await this.port.editService(spec.service);
        current = { ...current, service: spec.service };
      }
      this.programmed.remember(spec.id, { ...current, owner: key, localAddress: spec.localAddress });
      await this.reconcileServers(spec, current.servers);
    }
  }

  /** Deletes virtual service `id` (gone already is fine) and forgets it and its draining servers. */
  async deleteService(id: string): Promise<void> {
    const entry = this.programmed.get(id);
    if (entry === undefined) return;
    try {
      await this.port.deleteService(entry.service);
    } catch (error) {
      if (!isNetlinkError(error, 'ESRCH')) throw error;
    }
    this.programmed.forget(id);
    this.drain.forgetService(id);
  }

  private async reconcileServers(spec: VirtualServiceSpec, servers: Map<string, RealServer>): Promise<void> {
    for (const [serverId, server] of spec.servers) {
      const existing = servers.get(serverId);
      if (existing === undefined) await this.port.addRealServer(spec.service, server);
      else if (!sameServerSettings(existing, server)) await this.port.editRealServer(spec.service, server);
      servers.set(serverId, server);
      this.drain.stop(spec.id, serverId);
    }
    for (const [serverId, server] of servers) {
      if (spec.servers.has(serverId) || this.drain.isDraining(spec.id, serverId)) continue;
      if (server.weight !== 0) {
        const drained = { ...server, weight: 0 };
        await this.port.editRealServer(spec.service, drained);
        servers.set(serverId, drained);
      }
      this.drain.start(spec.id, serverId);
    }
  }
}
