import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, type Context } from 'mocha';
import { Lab } from '../../src/lab/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';

const run = promisify(execFile);

/** Skips the suite with a printed reason when this process is not root (lab tests need it). */
export function skipUnlessRoot(context: Context): void {
  if (process.getuid?.() !== 0) {
    console.log('    lab tests skipped: they need root (network namespaces, veths, bridges)');
    context.skip();
  }
}

/** Names of all network namespaces the lab made (`krlab-` prefix). */
export async function labNamespacesOnMachine(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name.startsWith('krlab-'));
}

/**
 * The root namespace's network state, with what changes on its own removed (address
 * lifetimes, route expiry, packet counters, timestamps), so before and after compare equal
 * unless something was added or removed.
 */
export async function rootNetworkState(): Promise<Record<string, unknown>> {
  const json = async (args: string[]): Promise<unknown> => {
    const { stdout } = await run('ip', ['-j', ...args]);
    return JSON.parse(stdout || '[]', (key, value: unknown) =>
      ['valid_life_time', 'preferred_life_time', 'expires', 'stats64', 'stats'].includes(key) ? undefined : value);
  };
  const text = async (command: string, args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(command, args);
      return stdout
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .map((line) => line.replace(/\[\d+:\d+\]/g, '').replace(/packets \d+ bytes \d+/g, ''))
        .join('\n');
    } catch (error) {
      return `unavailable: ${(error as Error).message}`;
    }
  };
  return {
    links: await json(['link']),
    addresses: await json(['addr']),
    routes4: await json(['-4', 'route', 'show', 'table', 'all']),
    routes6: await json(['-6', 'route', 'show', 'table', 'all']),
    rules: await json(['rule']),
    iptables: await text('iptables-save', []),
    ip6tables: await text('ip6tables-save', []),
    nft: await text('nft', ['list', 'ruleset']),
  };
}

/**
 * Brings `snapshot` up once for the enclosing suite (skipped with a printed reason when not
 * root) and down after it; returns an accessor for the tests.
 */
export function labForSuite(snapshot: ClusterSnapshot): () => Lab {
  let lab: Lab | undefined;
  before(async function () {
    skipUnlessRoot(this);
    lab = await Lab.up(snapshot);
  });
  after(async () => {
    await lab?.down();
  });
  return () => lab as Lab;
}
