/**
 * The CNI network configuration kube-router's nodes use: a conflist whose `bridge` plugin
 * attaches pods to `kube-bridge` (which holds the first address of each pod CIDR, the pods'
 * gateway) and whose `host-local` IPAM hands out addresses from the node's pod CIDRs.
 *
 * As kube-router does, the node's pod CIDRs go into `ipam.ranges` (one range set per CIDR, so a
 * dual-stack pod gets one address of each family) and a legacy `ipam.subnet` is folded into
 * them; `ipMasq` is false because pod egress masquerade is the route backend's own table.
 * Fields this module does not manage, in the plugin, its IPAM or the other plugins (portmap...),
 * are kept as they are.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../../core/errors.js';

/** What {@link kubeRouterConflist} writes into the configuration. */
export interface CniConfigOptions {
  /** The node's pod CIDRs (its `spec.podCIDRs`), in order. */
  readonly podCIDRs: readonly string[];
  /** MTU of the pods' interfaces and the bridge; left as it is when omitted. */
  readonly mtu?: number | undefined;
  /** Bridge name; default `kube-bridge`. */
  readonly bridge?: string | undefined;
  /** Network name of a new file; default `mynet`, as kube-router's example. */
  readonly networkName?: string | undefined;
  /** `cniVersion` of a new file; default `0.3.0`. */
  readonly cniVersion?: string | undefined;
  /** `hairpinMode` (a pod reaching itself through a service); left as it is when omitted. */
  readonly hairpinMode?: boolean | undefined;
}

/** kube-router's bridge name. */
export const DEFAULT_CNI_BRIDGE = 'kube-bridge';
/** kube-router's file name for the configuration. */
export const KUBE_ROUTER_CONFLIST = '10-kuberouter.conflist';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkCidr(cidr: string): string {
  if (!ipaddr.isValidCIDR(cidr)) throw new ConfigError(`pod CIDR ${JSON.stringify(cidr)} is not a CIDR`);
  return cidr;
}

/**
 * The conflist for `options`, built on `existing` (a parsed conflist, a single plugin
 * configuration, or undefined for a new file). Pure: nothing is read or written.
 * @throws ConfigError for a pod CIDR that is not one, an MTU out of range, or an existing
 *   configuration that is not a JSON object
 */
export function kubeRouterConflist(existing: unknown, options: CniConfigOptions): Json {
  if (existing !== undefined && !isObject(existing)) throw new ConfigError('the existing CNI configuration is not a JSON object');
  if (options.mtu !== undefined && (!Number.isInteger(options.mtu) || options.mtu < 68 || options.mtu > 65535)) {
    throw new ConfigError(`MTU ${options.mtu} is out of range 68..65535`);
  }
  const podCIDRs = options.podCIDRs.map(checkCidr);
  const base: Json = existing === undefined ? {} : structuredClone(existing);
  // A single-plugin `.conf` becomes the first plugin of a list.
  const plugins: unknown[] = Array.isArray(base.plugins) ? [...base.plugins] : base.type !== undefined ? [pluginPart(base)] : [];
  const conflist: Json = {
    cniVersion: options.cniVersion ?? (typeof base.cniVersion === 'string' ? base.cniVersion : '0.3.0'),
    name: options.networkName ?? (typeof base.name === 'string' ? base.name : 'mynet'),
    ...withoutPluginFields(base),
  };
  const index = plugins.findIndex((plugin) => isObject(plugin) && plugin.type === 'bridge');
  const bridge = bridgePlugin(index >= 0 ? (plugins[index] as Json) : { name: 'kubernetes', type: 'bridge' }, podCIDRs, options);
  if (index >= 0) plugins[index] = bridge;
  else plugins.unshift(bridge);
  conflist.plugins = plugins;
  return conflist;
}

function pluginPart(conf: Json): Json {
  const { cniVersion: _version, plugins: _plugins, ...plugin } = conf;
  return plugin;
}

function withoutPluginFields(conf: Json): Json {
  if (Array.isArray(conf.plugins)) {
    const { plugins: _plugins, ...rest } = conf;
    return rest;
  }
  // Fields of a single-plugin file moved into the plugin; only the list's own stay here.
  return Object.fromEntries(Object.entries(conf).filter(([key]) => key === 'cniVersion' || key === 'name'));
}

function bridgePlugin(plugin: Json, podCIDRs: readonly string[], options: CniConfigOptions): Json {
  const ipam: Json = isObject(plugin.ipam) ? { ...plugin.ipam } : {};
  const previous = rangesBySubnet(ipam);
  delete ipam.subnet;
  ipam.type = 'host-local';
  // One range set per pod CIDR, keeping what an existing range of that subnet said (gateway...).
  ipam.ranges = podCIDRs.map((subnet) => [{ ...(previous.get(subnet) ?? {}), subnet }]);
  return {
    ...plugin,
    type: 'bridge',
    bridge: options.bridge ?? DEFAULT_CNI_BRIDGE,
    isGateway: true,
    isDefaultGateway: plugin.isDefaultGateway ?? true,
    ipMasq: false,
    ...(options.mtu === undefined ? {} : { mtu: options.mtu }),
    ...(options.hairpinMode === undefined ? {} : { hairpinMode: options.hairpinMode }),
    ipam,
  };
}

function rangesBySubnet(ipam: Json): Map<string, Json> {
  const found = new Map<string, Json>();
  if (Array.isArray(ipam.ranges)) {
    for (const set of ipam.ranges) {
      if (!Array.isArray(set)) continue;
      for (const range of set) if (isObject(range) && typeof range.subnet === 'string') found.set(range.subnet, range);
    }
  }
  if (typeof ipam.subnet === 'string' && !found.has(ipam.subnet)) found.set(ipam.subnet, { subnet: ipam.subnet });
  return found;
}

/** What {@link writeCniConfig} did. */
export interface CniConfigWrite {
  readonly path: string;
  /** False when the file already said exactly this (it is then not rewritten). */
  readonly changed: boolean;
  readonly conflist: Json;
}

/**
 * Writes the configuration to `path` (kube-router's is `/etc/cni/net.d/10-kuberouter.conflist`),
 * built on the file there, if any. Atomic: the text goes to a temporary file in the same
 * directory, is flushed to disk, and replaces `path` by rename, so the container runtime never
 * reads half a file. A file that already holds the same text is left alone.
 * @throws ConfigError when the existing file is not JSON
 */
export async function writeCniConfig(path: string, options: CniConfigOptions): Promise<CniConfigWrite> {
  let before: string | undefined;
  try {
    before = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let existing: unknown;
  if (before !== undefined) {
    try {
      existing = JSON.parse(before);
    } catch {
      throw new ConfigError(`${path} is not JSON`);
    }
  }
  const conflist = kubeRouterConflist(existing, options);
  const text = `${JSON.stringify(conflist, null, 2)}\n`;
  if (text === before) return { path, changed: false, conflist };
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, changed: true, conflist };
}
