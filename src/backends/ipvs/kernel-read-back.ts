/**
 * The IPVS proxy's repair of drift: on the first sync and on a resync, its memory of the
 * virtual services it programmed (or that the plan wants) is replaced with the kernel's own
 * listing, so the following diff writes whatever the kernel lost or gained behind its back.
 * The only sync that reads the whole service list.
 *
 * @module
 */
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';
import type { IpvsPort, RealServer } from '../../core/ports/ipvs.js';
import { realServerId, virtualServiceId } from './fake-ipvs-port.js';
import type { ProgrammedServices } from './programmed-services.js';
import type { RealServerDrain } from './real-server-drain.js';
import type { VipLedger } from './vip-ledger.js';
import { virtualServiceSpecs, type DsrMarkLookup, type VirtualServiceSpec } from './ipvs-service-specs.js';

/** What {@link readBackKernel} reads into. */
export interface KernelReadBackTarget {
  /** The IPVS table read. */
  readonly port: IpvsPort;
  /** The memory replaced with the kernel's listing. */
  readonly programmed: ProgrammedServices;
  /** Its draining servers the kernel no longer holds are forgotten. */
  readonly drain: RealServerDrain;
  /** The VIPs, read back from the dummy interface. */
  readonly vips: VipLedger;
  /** The firewall marks of DSR frontends (none: DSR is not served). */
  readonly dsrMarks?: DsrMarkLookup | undefined;
}

/**
 * Replaces the memory of the virtual services `plan` wants or the backend made with the
 * kernel's listing (one `GET_SERVICE` dump, one `GET_DEST` dump per such service), and reads
 * the dummy interface's VIPs back.
 */
export async function readBackKernel(plan: ProxyPlan, { port, programmed, drain, vips, dsrMarks }: KernelReadBackTarget): Promise<void> {
  const kernel = new Map((await port.listServices()).map((service) => [virtualServiceId(service), service]));
  const wanted = new Map<string, { owner: string; spec: VirtualServiceSpec }>();
  for (const servicePort of plan.servicePorts.values()) {
    for (const spec of virtualServiceSpecs(plan, servicePort, dsrMarks).values()) if (!wanted.has(spec.id)) wanted.set(spec.id, { owner: servicePort.key, spec });
  }
  for (const id of new Set([...programmed.ids(), ...wanted.keys()])) {
    const service = kernel.get(id);
    const known = programmed.get(id);
    programmed.forget(id);
    if (service === undefined) continue;
    const owner = known?.owner ?? wanted.get(id)?.owner ?? '';
    const servers = new Map((await port.listRealServers(service)).map((server) => [realServerId(server), server as RealServer]));
    programmed.remember(id, { service, owner, localAddress: known?.localAddress ?? wanted.get(id)?.spec.localAddress, servers });
  }
  drain.forgetUnprogrammed();
  await vips.readBack();
}
