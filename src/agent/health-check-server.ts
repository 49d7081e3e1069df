import { createServer, type Server } from 'node:http';
import type { ProxyPlan } from '../core/plan/index.js';

/** What one health check node port answers for. */
export interface HealthCheckTarget {
  readonly namespace: string;
  readonly name: string;
  /** Ready endpoints of the service on this node (distinct addresses). */
  readonly localEndpoints: number;
}

/** Options of {@link HealthCheckServers}. */
export interface HealthCheckServerOptions {
  /** Bind these addresses instead of the plan's node addresses (tests bind 127.0.0.1). */
  readonly bindAddresses?: readonly string[] | undefined;
  /** Where a bad or used port is reported; default `console.error`. */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The health check node ports of a proxy plan: for each LoadBalancer service with
 * externalTrafficPolicy Local, its `healthCheckNodePort` and the number of its ready local
 * endpoints.
 */
export function healthCheckTargets(plan: ProxyPlan): Map<number, HealthCheckTarget> {
  const endpoints = new Map<number, { service: string; addresses: Set<string> }>();
  for (const servicePort of plan.servicePorts.values()) {
    const port = servicePort.healthCheckNodePort;
    if (port === undefined) continue;
    const entry = endpoints.get(port) ?? { service: servicePort.service, addresses: new Set<string>() };
    for (const endpoint of servicePort.localEndpoints) if (!endpoint.terminating) entry.addresses.add(endpoint.ip);
    endpoints.set(port, entry);
  }
  const targets = new Map<number, HealthCheckTarget>();
  for (const [port, { service, addresses }] of endpoints) {
    const slash = service.indexOf('/');
    targets.set(port, { namespace: service.slice(0, slash), name: service.slice(slash + 1), localEndpoints: addresses.size });
  }
  return targets;
}

/**
 * Serves kube-proxy's health check node ports: on each port, on each node address, HTTP with
 * `{"service":{"namespace":..,"name":..},"localEndpoints":N}`, 200 when N > 0, else 503, so a
 * load balancer sends traffic only to nodes with a local endpoint. {@link update} after each
 * successful proxy sync opens new ports, refreshes counts and closes ports no longer planned.
 * A port that cannot be bound (in use, not allowed) is logged and counted in
 * {@link failures}; it never throws.
 */
export class HealthCheckServers {
  private readonly servers = new Map<string, Server>();
  private targets = new Map<number, HealthCheckTarget>();
  private failed = 0;

  /** @param options addresses to bind instead of the plan's, and where failures are logged */
  constructor(private readonly options: HealthCheckServerOptions = {}) {}

  /** Ports that could not be served since the start. */
  get failures(): number {
    return this.failed;
  }

  /** The `address:port` pairs being served. */
  listening(): string[] {
    return [...this.servers.keys()].sort();
  }

  /** Follows `plan`: new ports opened, counts refreshed, gone ports closed. */
  async update(plan: ProxyPlan): Promise<void> {
    this.targets = healthCheckTargets(plan);
    const addresses = this.options.bindAddresses ?? plan.settings.nodeAddresses.map((address) => address.ip);
    const wanted = new Set<string>();
    for (const port of this.targets.keys()) for (const address of addresses) wanted.add(listenKey(address, port));
    await Promise.all([...this.servers.keys()].filter((key) => !wanted.has(key)).map((key) => this.close(key)));
    await Promise.all([...wanted].filter((key) => !this.servers.has(key)).map((key) => this.open(key)));
  }

  /** Closes every server. */
  async stop(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((key) => this.close(key)));
  }

  private open(key: string): Promise<void> {
    const { address, port } = parseKey(key);
    const server = createServer((request, response) => {
      const target = this.targets.get(port);
      if (!target) {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.stringify({ service: { namespace: target.namespace, name: target.name }, localEndpoints: target.localEndpoints });
      response.writeHead(target.localEndpoints > 0 ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      response.end(body);
    });
    return new Promise((resolve) => {
      server.once('error', (error: Error) => {
        this.failed += 1;
        (this.options.log ?? console.error)(`health check node port ${key} not served: ${error.message}`);
        resolve();
      });
      server.listen(port, address, () => {
        this.servers.set(key, server);
        resolve();
      });
    });
  }

  private close(key: string): Promise<void> {
    const server = this.servers.get(key);
    this.servers.delete(key);
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

function listenKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function parseKey(key: string): { address: string; port: number } {
  const colon = key.lastIndexOf(':');
  return { address: key.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(key.slice(colon + 1)) };
}
