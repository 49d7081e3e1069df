import type { Protocol } from '../model/index.js';
import type { FrontendKind } from '../plan/index.js';

/** A packet arriving at (or sent from) the node a `ProxyPlan` was made for. */
export interface TracePacket {
  /** Source IP. */
  readonly from: string;
  /** Destination IP. */
  readonly to: string;
  /** Destination port, 1..65535. */
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * What the service proxy does with the packet: `ACCEPT` (DNATed to one of `backends`, or
 * passed untouched when no service matched), `DROP` or `REJECT`.
 */
export type TraceVerdict = 'ACCEPT' | 'DROP' | 'REJECT';

/** Where the packet came from, as the proxy tells sources apart. */
export type SourceClass = 'node' | 'pod' | 'outside';

/** What {@link tracePacket} answers. */
export interface TraceResult {
  readonly verdict: TraceVerdict;
  /**
   * Every endpoint the packet may be DNATed to, `ip:port` (`[ip]:port` for IPv6), sorted
   * numerically by address then port; empty when it is not DNATed.
   */
  readonly backends: readonly string[];
  /**
   * True when the packet may leave with the node's address as source (SNAT): always for
   * some frontends, or for a hairpin when one of `backends` is the source itself (true when
   * any possible backend would be masqueraded; `explain` names which).
   */
  readonly masquerade: boolean;
  /** Human-readable steps: source class, frontend, filters, endpoint set, masquerade, affinity. */
  readonly explain: readonly string[];
  /** How the proxy classed the source. */
  readonly source: SourceClass;
  /** Key of the service port whose frontend matched, when one did. */
  readonly servicePort?: string | undefined;
  /** Kind of the frontend that matched, when one did. */
  readonly frontend?: FrontendKind | undefined;
}
