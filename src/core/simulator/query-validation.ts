import { PROTOCOLS, type Protocol } from '../model/index.js';
import { SimulationQueryError } from './simulation-error.js';

/** @throws SimulationQueryError unless `port` is an integer in 1..65535 */
export function checkPort(port: number, what = 'port'): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SimulationQueryError(`${what}: expected a port number 1..65535, got ${String(port)}`);
  }
}

/** @throws SimulationQueryError unless `protocol` is TCP, UDP or SCTP (upper case, as plans hold it) */
export function checkProtocol(protocol: Protocol, what = 'protocol'): void {
  if (!PROTOCOLS.includes(protocol)) {
    throw new SimulationQueryError(`${what}: expected one of ${PROTOCOLS.join(', ')}, got ${String(protocol)}`);
  }
}
