import { isDeepStrictEqual } from 'node:util';
import type { ProxyPlan, ProxySettings, ServicePortPlan } from '../../plan/index.js';
import type { ObjectChange } from '../../store/change.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { changedObjects } from '../common/changed-objects.js';
import type { ConcernPlanner } from '../concern-planner.js';
import { FragmentTable } from '../common/fragment-table.js';
import { clusterIPMasqueradeOf, planServicePort, servicePortKeyPrefix, type ServicePortContext } from './plan-service-port.js';
import { resolveProxySettings, type ProxyPlanOptions } from './proxy-plan-options.js';
import { dirtyServiceFragments } from './service-fragment-index.js';
import { isProxiedService } from './service-traffic.js';
import { SliceOwners } from './slice-owners.js';

/**
 * The service proxy's planner for one node, kept between reconciles: it replans only the
 * service ports that a change can alter (see `dirtyServiceFragments` for the index) and
 * keeps every other fragment object as it was, so `plan.servicePorts.diff(previous.servicePorts)`
 * names exactly what a backend must rewrite. A change that alters nothing the planner reads
 * (a resourceVersion, an annotation it ignores, a status condition) replans the service and
 * finds equal fragments, which keep their previous objects: the diff is empty.
 *
 * The semantics of each port plan are listed on `planServices`, which is this planner's
 * {@link ServicePlanner.full} on a fresh instance.
 *
 * Not safe to share between nodes or concurrent callers: it holds the last plan's state.
 */
export class ServicePlanner implements ConcernPlanner<ProxyPlan> {
  private readonly fragments = new FragmentTable<ServicePortPlan>();
  private readonly sliceOwners = new SliceOwners();
  private readonly context: ServicePortContext;
  private settings: ProxySettings | undefined;
  private plan: ProxyPlan | undefined;

  /**
   * @param nodeName the node planned for: its endpoints are `local`, its addresses are the
   * NodePort addresses
   * @param options the node-wide proxy settings (fixed for the planner's life)
   */
  constructor(
    readonly nodeName: string,
    private readonly options: ProxyPlanOptions,
  ) {
    this.context = {
      nodeName,
      clusterIPMasquerade: clusterIPMasqueradeOf(options.masqueradeAll ?? false, options.clusterCIDRs),
      directServerReturn: options.directServerReturn ?? false,
    };
  }

  get current(): ProxyPlan | undefined {
    return this.plan;
  }

  /** Plans every service of `snapshot`, and deletes the port plans of services that are gone. */
  full(snapshot: ClusterSnapshot): ProxyPlan {
    const services = new Set<string>();
    for (const service of snapshot.services()) services.add(service.key);
    for (const fragment of this.fragments.view().values()) services.add(fragment.service);
    this.sliceOwners.reset(snapshot);
    for (const service of [...services].sort()) this.replanService(snapshot, service);
    this.resolveSettings(snapshot);
    return this.publish();
  }

  update(snapshot: ClusterSnapshot, changes: Iterable<ObjectChange>): ProxyPlan {
    if (this.plan === undefined) return this.full(snapshot);
    const dirty = dirtyServiceFragments(changedObjects(changes), snapshot, this.sliceOwners, this.nodeName);
    for (const service of dirty.services) this.replanService(snapshot, service);
    if (dirty.settings) this.resolveSettings(snapshot);
    return this.publish();
  }

  /** Replans every port of `serviceKey` from `snapshot`; deletes those it no longer has. */
  private replanService(snapshot: ClusterSnapshot, serviceKey: string): void {
    const stale = new Set(this.fragments.keysWithPrefix(servicePortKeyPrefix(serviceKey)));
    const service = snapshot.service(serviceKey);
    if (service !== undefined && isProxiedService(service)) {
      const slices = snapshot.endpointSlicesForService(serviceKey);
      for (const port of service.ports) {
        const plan = planServicePort(service, port, slices, this.context);
        this.fragments.put(plan.key, plan);
        stale.delete(plan.key);
      }
    }
    for (const key of stale) this.fragments.delete(key);
  }

  /** Resolves the settings, keeping the previous object when they come out equal. */
  private resolveSettings(snapshot: ClusterSnapshot): void {
    const settings = resolveProxySettings(this.options, snapshot.node(this.nodeName));
    if (this.settings === undefined || !isDeepStrictEqual(this.settings, settings)) this.settings = deepFreeze(settings);
  }

  /** The plan of the current fragments; the previous plan object when nothing changed. */
  private publish(): ProxyPlan {
    const servicePorts = this.fragments.view();
    const settings = this.settings as ProxySettings;
    if (this.plan?.servicePorts === servicePorts && this.plan.settings === settings) return this.plan;
    this.plan = Object.freeze({ node: this.nodeName, settings, servicePorts });
    return this.plan;
  }
}
