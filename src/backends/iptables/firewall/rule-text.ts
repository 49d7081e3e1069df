import type { IPFamily, Protocol } from '../../../core/model/index.js';
import type { FirewallPlan, PortMatch } from '../../../core/plan/firewall-plan.js';
import { peerSetName } from './firewall-names.js';

/**
 * Pieces of iptables rule text for the firewall's chains. Nothing a user chose reaches them
 * except through a hashed set name or a comment reduced to safe characters.
 *
 * @module
 */

/** Comments keep letters, digits and `._/:-`; everything else becomes `_`, at most 200 characters. */
export function commentText(text: string): string {
  return `"${text.replace(/[^A-Za-z0-9._/:-]/g, '_').slice(0, 200)}"`;
}

/** `-m comment --comment "..."` for `text`, made safe by {@link commentText}. */
export function commentMatch(text: string): string {
  return `-m comment --comment ${commentText(text)}`;
}

/** Which packet address a set match looks at. */
export type SetSide = 'src' | 'dst';

/**
 * The live ipset names of the plan's sets `ids` that are of `family`, in the order given. Ids
 * absent from the plan are left out (a rule then matches fewer peers: fail closed) and counted
 * in `missing`.
 */
export function setNamesOf(plan: FirewallPlan, ids: readonly string[], family: IPFamily, missing: { count: number }): string[] {
  const names: string[] = [];
  for (const id of ids) {
    const set = plan.peerSets.get(id);
    if (set === undefined) missing.count += 1;
    else if (set.family === family) names.push(peerSetName(set));
  }
  return names;
}

/** `-m set --match-set NAME src|dst`. */
export function setMatch(name: string, side: SetSide): string {
  return `-m set --match-set ${name} ${side}`;
}

const PROTOCOL_TEXT: Record<Protocol, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function checkedPort(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new RangeError(`not a port number: ${value}`);
  return value;
}

/** `-p tcp -m tcp --dport 80[:90]`, or `-p tcp` for every port of the protocol. */
export function protocolPortMatch(port: PortMatch): string {
  const protocol = PROTOCOL_TEXT[port.protocol];
  if (protocol === undefined) throw new RangeError(`unknown protocol: ${String(port.protocol)}`);
  if (port.port === undefined) return `-p ${protocol}`;
  const first = checkedPort(port.port);
  const range = port.endPort !== undefined && port.endPort > first ? `${first}:${checkedPort(port.endPort)}` : `${first}`;
  return `-p ${protocol} -m ${protocol} --dport ${range}`;
}
