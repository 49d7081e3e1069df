/**
 * The order in which a restore payload declares (`:NAME - [0:0]`) its chains: reverse name
 * order. `iptables-nft-restore --noflush` (1.8.9) keeps the chains it creates in a
 * name-sorted list and finds each new one's place by a walk that ends at once for a name
 * below every one before it. Measured in fresh namespaces: the 11,006 chains of a
 * 1,000-service proxy payload declared alone load in 0.21 s in this order, 0.42 s in name
 * order and 1.01 s in hash order; the whole payload in 2.28 s against 7.72 s. The legacy
 * flavour does not mind the order.
 *
 * @returns the names, sorted in place, highest first
 */
export function inDeclarationOrder(names: string[]): string[] {
  // The default sort compares strings by UTF-16 code units, as the names (ASCII) sort anywhere.
  return names.sort().reverse();
}
