/**
 * TypeScript programs built on the host into one JavaScript file each, so the guest runs
 * them with plain `node`. Under the guest's software emulation `node --import tsx` of a
 * program that imports the backends takes about 16 s (tsx's loader thread and its code,
 * every module passed through its hooks, an inline source map per module that node then
 * parses); the same program as one bundle takes about 3 s, and `node -e 0` about 1 s.
 *
 * The bundle holds the project's modules and the pure JavaScript packages they import. A
 * package with a native addon (netlink: `binding.gyp`, loaded through node-gyp-build from
 * its own directory) stays outside, imported by its absolute host path, which the guest sees
 * at the same place. Each module's `import.meta.url` (and `dirname`, `filename`) is its own
 * source file's, as under tsx, so `new URL('./fixture.yaml', import.meta.url)` still finds
 * the files next to the source. CommonJS packages get a `require` made for the bundle (for
 * node's builtins). The source map is written beside the bundle and costs nothing unless
 * node runs with `--enable-source-maps`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Plugin } from 'esbuild';
import { KernelVmError } from './errors.js';

/** A program name: it becomes the file name `NAME.mjs`. */
const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Where a module's own location is read. Written out as literals, once per module. */
const IMPORT_META_LOCATION = /\bimport\.meta\.(url|dirname|filename)\b/g;

/** Source files esbuild reads through the plugin: the project's and those of the packages it bundles. */
const SOURCE_FILE = /\.[cm]?[jt]sx?$/;

/**
 * The bundle's first line: a `require` for bundled CommonJS packages. The location is spelt
 * in pieces so that this file, bundled itself (the CLI imports the lab), keeps it as code.
 */
const REQUIRE_BANNER = `import { createRequire as __kubeRouterCreateRequire } from 'node:module'; const require = __kubeRouterCreateRequire(${['import', 'meta', 'url'].join('.')});`;

const LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};

/**
 * `source` with `import.meta.url`, `.dirname` and `.filename` replaced by the values they
 * have in `file`. Textual: an occurrence inside a string or comment is replaced as well,
 * which changes no program's behaviour but the odd message that names them.
 */
export function withOwnLocation(source: string, file: string): string {
  const values = { url: pathToFileURL(file).href, dirname: dirname(file), filename: file };
  return source.replace(IMPORT_META_LOCATION, (_whole, which: keyof typeof values) => JSON.stringify(values[which]));
}

/** Packages whose code loads a compiled addon from the package's own directory: they cannot be bundled. */
const ADDON_LOADERS = ['node-gyp-build', 'bindings', 'prebuild-install', 'node-pre-gyp', '@mapbox/node-pre-gyp'];

/** The directory of the package under node_modules that holds `file`, or undefined for a file outside one. */
function packageDirectory(file: string): string | undefined {
  for (let directory = dirname(file); directory !== dirname(directory); directory = dirname(directory)) {
    const parent = dirname(directory);
    if (basename(parent) === 'node_modules' || (basename(dirname(parent)) === 'node_modules' && basename(parent).startsWith('@'))) return directory;
  }
  return undefined;
}

/** True when the package at `directory` has a native addon (a `binding.gyp`, `gypfile`, or an addon loader among its dependencies). */
async function hasNativeAddon(directory: string): Promise<boolean> {
  if (existsSync(join(directory, 'binding.gyp'))) return true;
  const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8').catch(() => '{}')) as { gypfile?: boolean; dependencies?: Record<string, string> };
  return manifest.gypfile === true || ADDON_LOADERS.some((name) => manifest.dependencies?.[name] !== undefined);
}

/**
 * The esbuild plugin: node's builtins stay imports; packages with a native addon stay
 * imports by absolute path; an import that cannot be resolved stays as written (it fails in
 * the guest as it would on the host); every module bundled gets its own location.
 */
function guestProgramPlugin(): Plugin {
  const addons = new Map<string, Promise<boolean>>();
  return {
    name: 'kube-router-guest-program',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
        if (found.errors.length > 0) return { path: args.path, external: true };
        const directory = packageDirectory(found.path);
        if (directory === undefined) return { path: found.path };
        if (!addons.has(directory)) addons.set(directory, hasNativeAddon(directory));
        return (await addons.get(directory)) ? { path: found.path, external: true } : { path: found.path };
      });
      build.onLoad({ filter: SOURCE_FILE }, async (args) => {
        const loader = LOADERS[extname(args.path)];
        if (loader === undefined) return undefined;
        return { contents: withOwnLocation(await readFile(args.path, 'utf8'), args.path), loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/** esbuild, loaded only when a program is built: it comes with tsx, which runs the project from source. */
async function loadEsbuild(): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch {
    throw new KernelVmError('config', 'building guest programs needs the esbuild package (installed with tsx); install it or run the program with node --import tsx');
  }
}

/**
 * Bundles each program (name -> TypeScript or JavaScript entry file, relative paths against
 * `baseDirectory`) into `directory/NAME.mjs`, with `NAME.mjs.map` beside it. Returns the
 * bundles' paths by name.
 * @throws KernelVmError (`config`) for a bad name, or when an entry cannot be built (the
 *   first of esbuild's messages)
 */
export async function buildGuestPrograms(
  programs: Readonly<Record<string, string>>,
  directory: string,
  baseDirectory: string = process.cwd(),
): Promise<Record<string, string>> {
  const names = Object.keys(programs);
  if (names.length === 0) return {};
  const bad = names.filter((name) => !PROGRAM_NAME.test(name));
  if (bad.length > 0) throw new KernelVmError('config', `guest program names must be letters, digits, ".", "_" or "-" (at most 64): ${bad.join(', ')}`);
  const entryPoints = Object.fromEntries(names.map((name) => {
    const entry = programs[name] as string;
    return [name, isAbsolute(entry) ? entry : resolve(baseDirectory, entry)];
  }));
  const esbuild = await loadEsbuild();
  try {
    await esbuild.build({
      entryPoints,
      outdir: directory,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      // Class and function names stay as written: messages and checks that print them read the same as under tsx.
      keepNames: true,
      sourcemap: 'linked',
      // esbuild's ESM output has no `require`; bundled CommonJS packages need one for node's builtins.
      banner: { js: REQUIRE_BANNER },
      logLevel: 'silent',
      plugins: [guestProgramPlugin()],
    });
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new KernelVmError('config', `cannot build the guest programs: ${first?.text ?? (error as Error).message}${where}`);
  }
  return Object.fromEntries(names.map((name) => [name, join(directory, `${name}.mjs`)]));
}
