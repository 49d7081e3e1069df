import type { StringMap } from '../../model/index.js';
import type { KubeRouterServiceOptions } from '../../plan/index.js';

/** The annotations kube-router reads on a Service, by what they set. */
export const KUBE_ROUTER_ANNOTATIONS = {
  scheduler: 'kube-router.io/service.scheduler',
  schedulerFlags: 'kube-router.io/service.schedflags',
  local: 'kube-router.io/service.local',
  hairpin: 'kube-router.io/service.hairpin',
  dsr: 'kube-router.io/service.dsr',
} as const;

/** What every kube-router service annotation starts with. */
const ANNOTATION_PREFIX = 'kube-router.io/service.';

/** The IPVS schedulers kube-router accepts in `kube-router.io/service.scheduler`. */
export const KUBE_ROUTER_SCHEDULERS: readonly string[] = ['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'mh', 'sed', 'nq'];

/** The IPVS scheduler flags kube-router maps to IP_VS_SVC_F_SCHED1..3. */
const SCHEDULER_FLAGS: readonly string[] = ['flag-1', 'flag-2', 'flag-3'];

/** The direct server return modes kube-router implements. */
const DSR_MODES: readonly string[] = ['tunnel'];

/**
 * kube-router's per-service options, read from the annotations as kube-router reads them.
 * Only valid values are kept; an invalid one is left out as if the annotation were absent
 * (the planner is pure and has nowhere to report it; the converter is the place to warn):
 *
 * - `scheduler`: one of {@link KUBE_ROUTER_SCHEDULERS}, exactly as written (kube-router
 *   compares case-sensitively).
 * - `schedulerFlags`: the comma-separated list's known flags (`flag-1`, `flag-2`, `flag-3`),
 *   spaces trimmed, each once, in that order; unknown words are dropped and the field is left
 *   out when none remains. They are kept whatever the scheduler: IPVS defines them for `sh`
 *   and `mh`, and applying them is the IPVS backend's decision.
 * - `localOnly`: `kube-router.io/service.local` equal to `"true"` (kube-router then treats
 *   both traffic policies as Local).
 * - `hairpin`: the annotation is present, whatever its value, as kube-router tests it.
 * - `dsr`: `tunnel`, the one mode kube-router implements.
 *
 * @returns undefined when no annotation yields a valid value, so plans of services without
 * kube-router annotations carry no `kubeRouter` field at all.
 */
export function kubeRouterOptionsOf(annotations: StringMap): KubeRouterServiceOptions | undefined {
  // Most services carry none: skip building an options object for every port of a full plan.
  if (!Object.keys(annotations).some((key) => key.startsWith(ANNOTATION_PREFIX))) return undefined;
  const scheduler = annotations[KUBE_ROUTER_ANNOTATIONS.scheduler];
  const flags = schedulerFlagsOf(annotations[KUBE_ROUTER_ANNOTATIONS.schedulerFlags]);
  const dsr = annotations[KUBE_ROUTER_ANNOTATIONS.dsr];
  const options: KubeRouterServiceOptions = {
    ...(scheduler !== undefined && KUBE_ROUTER_SCHEDULERS.includes(scheduler) ? { scheduler } : {}),
    ...(flags.length > 0 ? { schedulerFlags: flags } : {}),
    ...(annotations[KUBE_ROUTER_ANNOTATIONS.local] === 'true' ? { localOnly: true } : {}),
    ...(Object.hasOwn(annotations, KUBE_ROUTER_ANNOTATIONS.hairpin) ? { hairpin: true } : {}),
    ...(dsr !== undefined && DSR_MODES.includes(dsr) ? { dsr } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

function schedulerFlagsOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  const given = new Set(value.split(',').map((flag) => flag.trim()));
  return SCHEDULER_FLAGS.filter((flag) => given.has(flag));
}
