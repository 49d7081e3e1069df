import type { IPFamily, Protocol } from '../../../core/model/index.js';
import type { FirewallPlan, PortMatch } from '../../../core/plan/firewall-plan.js';
import { peerSetName } from './firewall-names.js';
import { skipInput, type RenderProblems } from './render-problems.js';

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
 * in `missing`, the reason naming chain `owner`.
 */
export function setNamesOf(plan: FirewallPlan, ids: readonly string[], family: IPFamily, missing: RenderProblems, owner = 'a chain'): string[] {
  const names: string[] = [];
  for (const id of ids) {
    const set = plan.peerSets.get(id);
    if (set === undefined) skipInput(missing, `${owner}: a rule refers to a peer set that is not in the plan; that match is skipped`);
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

/**
 * {@link protocolPortMatch}, or undefined (counted in `problems`, the reason naming chain
 * `owner`) for an unknown protocol, a port out of range, an endPort below its port or an
 * endPort without a port: the caller leaves that port out, failing closed.
 */
export function portMatchOrSkip(port: PortMatch, problems: RenderProblems, owner: string): string | undefined {
  if (PROTOCOL_TEXT[port.protocol] === undefined) {
    skipInput(problems, `${owner}: unknown protocol skipped`);
    return undefined;
  }
  if (port.port === undefined && port.endPort !== undefined) {
    skipInput(problems, `${owner}: endPort without port skipped`);
    return undefined;
  }
  if (port.port !== undefined && port.endPort !== undefined && port.endPort < port.port) {
    skipInput(problems, `${owner}: port ${port.port}-${port.endPort} skipped: endPort below port`);
    return undefined;
  }
  try {
    return protocolPortMatch(port);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    skipInput(problems, `${owner}: port skipped: out of range`);
    return undefined;
  }
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
