import type { IPFamily, Protocol } from '../model/index.js';

/** "Can pod `from` open a connection to pod `to` on `port`/`protocol`?" */
export interface ReachQuery {
  /** Source pod, `namespace/name`. */
  readonly from: string;
  /** Destination pod, `namespace/name`. */
  readonly to: string;
  /** Destination port, 1..65535. */
  readonly port: number;
  readonly protocol: Protocol;
}

/** Which way a firewall check looks at a packet between two pods. */
export type Direction = 'egress' | 'ingress';

/**
 * The decision of one direction: egress on the source pod's node, ingress on the destination
 * pod's node.
 */
export interface DirectionVerdict {
  readonly direction: Direction;
  readonly allowed: boolean;
  /** The policies isolating the pod in this direction; empty: not isolated, so allowed. */
  readonly isolatingPolicies: readonly string[];
  /** The policy whose rule allowed the packet (the first in key order), when one did. */
  readonly policy?: string | undefined;
  /** Index of that rule in the policy's rules of this direction. */
  readonly rule?: number | undefined;
  /** One sentence saying why. */
  readonly explain: string;
}

/** The answer for the addresses of one family both pods have. */
export interface FamilyReach {
  readonly family: IPFamily;
  readonly fromIP: string;
  readonly toIP: string;
  /** Egress allowed and ingress allowed. */
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

/** What {@link canReach} answers. */
export interface ReachResult {
  /**
   * True when the connection is allowed: a pod to itself always; otherwise the verdict of the
   * first family both pods have (IPv4 before IPv6), see {@link canReach}.
   */
  readonly allowed: boolean;
  /** Human-readable lines: per family, which policy and rule allowed each direction, or why not. */
  readonly explain: readonly string[];
  /** Per common family, in order IPv4, IPv6; empty for a pod reaching itself. */
  readonly families: readonly FamilyReach[];
}
