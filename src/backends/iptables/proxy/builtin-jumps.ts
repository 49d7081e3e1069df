import { PROXY_CHAINS } from './proxy-chain-names.js';
import { comment } from './rule-text.js';

/** A jump from a built-in chain into one of the proxy's chains. */
export interface BuiltinJump {
  readonly table: 'nat' | 'filter';
  readonly builtin: string;
  readonly target: string;
  /** The rule without `-A BUILTIN`, as `iptables-save` prints it. */
  readonly rule: string;
}

const PORTALS = comment('kube-router service portals');
const NEW = '-m conntrack --ctstate NEW';

function jump(table: BuiltinJump['table'], builtin: string, target: string, match: string): BuiltinJump {
  return { table, builtin, target, rule: `${match}-j ${target}` };
}

/**
 * Every jump the proxy inserts, in the order they end up at the top of their built-in chains
 * (each is inserted at position 1, so they are inserted last first).
 */
export const BUILTIN_JUMPS: readonly BuiltinJump[] = [
  jump('nat', 'PREROUTING', PROXY_CHAINS.services, `${PORTALS} `),
  jump('nat', 'OUTPUT', PROXY_CHAINS.services, `${PORTALS} `),
  jump('nat', 'POSTROUTING', PROXY_CHAINS.postrouting, `${comment('kube-router postrouting rules')} `),
  ...['INPUT', 'FORWARD', 'OUTPUT'].flatMap((builtin) => [
    jump('filter', builtin, PROXY_CHAINS.proxyFirewall, `${comment('kube-router load balancer source ranges')} `),
    jump('filter', builtin, PROXY_CHAINS.servicesFilter, `${NEW} ${PORTALS} `),
    jump('filter', builtin, PROXY_CHAINS.externalServices, `${NEW} ${comment('kube-router node ports and external addresses')} `),
  ]),
];

/** True when `rule` (a saved `-A` line) is a jump from `builtin` to `target`. */
export function isJumpLine(line: string, builtin: string, target: string): boolean {
  return line.startsWith(`-A ${builtin} `) && line.endsWith(` -j ${target}`);
}
