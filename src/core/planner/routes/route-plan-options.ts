import { ConfigError } from '../../errors.js';
import type { IPFamily } from '../../model/index.js';
import type { RouteSettings, TunnelType } from '../../plan/index.js';
import { canonicalCidrText, cidrKeyOf, type CidrKey } from './cidr-keys.js';

/**
 * What {@link RoutePlanner} and {@link planRoutes} need besides the snapshot: the settings
 * kube-router takes as flags. Every field is optional with kube-router's default, so callers
 * written for an earlier version keep working.
 */
export interface RoutePlanOptions {
  /**
   * The cluster's pod CIDRs (kube-router's `--cluster-cidr`). Pod traffic to these keeps its
   * source address. Empty (the default): the union of every node's pod CIDRs stands in.
   */
  readonly clusterCIDRs?: readonly string[] | undefined;
  /**
   * Masquerade pod traffic that leaves the cluster (kube-router's `--enable-pod-egress`).
   * Default true, as in kube-router.
   */
  readonly podEgressMasquerade?: boolean | undefined;
  /**
   * This node's underlay subnets: the networks of the interface that holds its InternalIP
   * (kube-router reads them from that interface; here the caller gives them, e.g.
   * `192.168.1.100/24`; host bits are ignored). A node whose InternalIP lies in one of them
   * is reached directly. For a family with no CIDR here the subnet is unknown and every node
   * counts as on it, so the default (empty) routes every node directly, as a flat underlay.
   */
  readonly underlayCIDRs?: readonly string[] | undefined;
  /**
   * Reach nodes off this node's underlay subnets through tunnels (kube-router's
   * `--enable-overlay`). Default true. When false, such nodes get no route: kube-router
   * leaves them to BGP, which needs a daemon backend and is not planned yet.
   */
  readonly enableOverlay?: boolean | undefined;
  /**
   * kube-router's `--overlay-type`: `subnet` (the default) tunnels only to nodes off this
   * node's underlay subnets; `full` tunnels to every node, same subnet included.
   */
  readonly overlayType?: 'subnet' | 'full' | undefined;
  /**
   * The encapsulation (kube-router's `--overlay-encap`: `ipip` or `fou`; `vxlan` is this
   * library's addition). Default `ipip`, as in kube-router.
   *
   * For `vxlan`, note that Linux refuses a second VXLAN device with the same VNI and UDP port
   * in one network namespace (checked on kernel 6.18: "A VXLAN device with the specified VNI
   * already exists"), so a backend cannot create the per-node tunnels of the plan as separate
   * VXLAN devices sharing {@link RoutePlanOptions.vxlanVni} and {@link RoutePlanOptions.vxlanPort}.
   */
  readonly tunnelType?: TunnelType | undefined;
  /**
   * VXLAN network identifier, 0 to 16777215. Default 1, the VNI flannel uses by default,
   * so a VXLAN overlay looks familiar in `ip -d link`.
   */
  readonly vxlanVni?: number | undefined;
  /** VXLAN UDP destination port. Default 4789, the IANA-assigned VXLAN port. */
  readonly vxlanPort?: number | undefined;
  /** FoU UDP destination port (kube-router's `--overlay-encap-port`). Default 5555, as in kube-router. */
  readonly fouPort?: number | undefined;
  /**
   * MTU of the underlay interface, 576 to 65535 (576: every IPv4 host must take datagrams that
   * big, and a smaller link cannot carry a useful tunnel). Default 1500. A tunnel's MTU is this
   * less its encapsulation overhead (see `encapsulationOverhead`).
   */
  readonly underlayMTU?: number | undefined;
}

/** The options with defaults applied, CIDRs read once: what the planner works from. */
export interface ResolvedRouteOptions {
  /** The plan-wide settings, as the plan carries them (deep-frozen). */
  readonly settings: RouteSettings;
  readonly clusterCIDRs: readonly CidrKey[];
  readonly podEgressMasquerade: boolean;
  /** Underlay CIDRs by family; a family absent here has no known subnet. */
  readonly underlay: ReadonlyMap<IPFamily, readonly CidrKey[]>;
  readonly tunnelType: TunnelType;
  readonly vxlanVni: number;
  readonly vxlanPort: number;
  readonly fouPort: number;
  readonly underlayMTU: number;
}

/**
 * Applies the defaults and checks the values.
 *
 * @throws ConfigError naming the option, for a CIDR that does not parse or a number out of
 *   range: options are the embedder's configuration, so a bad one is reported at once rather
 *   than silently planned around.
 */
export function resolveRouteOptions(options: RoutePlanOptions): ResolvedRouteOptions {
  const clusterCIDRs = readCidrs('clusterCIDRs', options.clusterCIDRs ?? []);
  const underlayCIDRs = readCidrs('underlayCIDRs', options.underlayCIDRs ?? []);
  const overlay = options.enableOverlay === false ? 'off' : (options.overlayType ?? 'subnet');
  if (overlay !== 'off' && overlay !== 'subnet' && overlay !== 'full') {
    throw new ConfigError(`overlayType must be subnet or full, got ${JSON.stringify(overlay)}`);
  }
  const tunnelType = options.tunnelType ?? 'ipip';
  if (tunnelType !== 'ipip' && tunnelType !== 'fou' && tunnelType !== 'vxlan') {
    throw new ConfigError(`tunnelType must be ipip, fou or vxlan, got ${JSON.stringify(tunnelType)}`);
  }
  const underlay = new Map<IPFamily, CidrKey[]>();
  for (const cidr of underlayCIDRs) underlay.set(cidr.family, [...(underlay.get(cidr.family) ?? []), cidr]);
  const settings: RouteSettings = Object.freeze({
    underlayCIDRs: Object.freeze(underlayCIDRs.map((cidr) => cidr.text)),
    overlay,
    tunnelType,
  });
  return {
    settings,
    clusterCIDRs,
    podEgressMasquerade: options.podEgressMasquerade ?? true,
    underlay,
    tunnelType,
    vxlanVni: integerIn('vxlanVni', options.vxlanVni ?? 1, 0, 0xffffff),
    vxlanPort: integerIn('vxlanPort', options.vxlanPort ?? 4789, 1, 65535),
    fouPort: integerIn('fouPort', options.fouPort ?? 5555, 1, 65535),
    underlayMTU: integerIn('underlayMTU', options.underlayMTU ?? 1500, 576, 65535),
  };
}

/** The distinct CIDRs of `texts` in canonical text, sorted by {@link CidrKey.sortKey}. */
function readCidrs(option: string, texts: readonly string[]): CidrKey[] {
  const byKey = new Map<string, CidrKey>();
  for (const text of texts) {
    const parsed = cidrKeyOf(text);
    if (parsed === undefined) throw new ConfigError(`${option}: "${text}" is not a CIDR`);
    byKey.set(parsed.sortKey, { ...parsed, text: canonicalCidrText(parsed) });
  }
  return [...byKey.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

function integerIn(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${option} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
