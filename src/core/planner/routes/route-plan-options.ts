/**
 * What {@link planRoutes} needs besides the snapshot: the settings kube-router takes as flags.
 *
 * Later issues add overlay (`--overlay-type`, `--enable-overlay`) and BGP settings here; every
 * new field is optional with kube-router's default, so callers written now keep working.
 */
export interface RoutePlanOptions {
  /**
   * The cluster's pod CIDRs (kube-router's `--cluster-cidr`). Pod traffic to these keeps its
   * source address. Empty: the union of every node's pod CIDRs stands in for them.
   */
  readonly clusterCIDRs: readonly string[];
  /**
   * Masquerade pod traffic that leaves the cluster (kube-router's `--enable-pod-egress`).
   * Default true, as in kube-router.
   */
  readonly podEgressMasquerade?: boolean | undefined;
}
