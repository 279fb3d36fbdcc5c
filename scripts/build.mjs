// Bundles the CLI into one file that runs with plain `node` and no node_modules.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile, chmod, mkdir } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { debugAlwaysOff, pinoForTheGate, sdkPartitions } from './lib/esbuild-plugins.mjs';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * The commit `metering-gate --version` names: GATE_COMMIT when the builder knows it (an image
 * build has no .git; the Dockerfile passes its REVISION), else git's, else "unknown".
 */
function buildCommit() {
  const given = process.env.GATE_COMMIT?.trim();
  if (given && given !== 'unknown') return /^[0-9a-f]{40}$/.test(given) ? given.slice(0, 12) : given;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

// Some dependencies are CommonJS and call require() for Node built-ins; an ESM bundle has no
// require, so give it one.
const banner = [
  '#!/usr/bin/env node',
  "import { createRequire as __gateCreateRequire } from 'node:module';",
  'const require = __gateCreateRequire(import.meta.url);',
].join('\n');

/**
 * esbuild hoists every `import ... from 'node:x'` to the top of an ESM bundle, so each run
 * would load every built-in any command uses, through Node's ESM facade, which reads every
 * export: on Node 24 the facade of node:http alone pulls in undici (fetch, WebSocket), some
 * 10 ms. This plugin turns each built-in into a small CommonJS module that require()s it, so
 * esbuild's lazy module wrappers load a built-in only when the code that needs it first runs.
 */
// Any name Node resolves to a built-in, digits (node:http2, node:v8) and node:-only ones
// (node:sea, node:test) included.
const BUILTIN_NAME = /^(node:)?[a-z0-9_/]+$/;
// Built-ins that CommonJS code require()s at load time but uses only on rare paths (commander
// for executable subcommands): they get a stand-in that loads them on first property access.
const ON_FIRST_USE = new Set(['node:child_process']);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: BUILTIN_NAME }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      // The require() inside the stand-in itself stays a real require of the built-in.
      if (args.namespace.startsWith('lazy-builtin')) return { path, external: true };
      // Only a require() can take the stand-in: esbuild's ESM interop copies every property.
      if (ON_FIRST_USE.has(path) && args.kind === 'require-call') return { path, namespace: 'lazy-builtin-on-first-use' };
      return { path, namespace: 'lazy-builtin' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin-on-first-use' }, (args) => ({
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
// Every way of reading a module object works, Object.keys and destructuring included.
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});`,
      loader: 'js',
    }));
  },
};

await mkdir('dist', { recursive: true });
const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The SDK's packages ship both CommonJS (main) and ES modules (module). esbuild's Node
  // default prefers main, and a require() of a barrel keeps all of it (every protocol, CBOR,
  // XML, a browser user-agent parser); the ES builds let it drop what is never imported.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'linked',
  define: { __GATE_VERSION__: JSON.stringify(pkg.version), __GATE_COMMIT__: JSON.stringify(buildCommit()) },
  logLevel: 'warning',
};
await build({ ...shared, entryPoints: ['src/cli/main.ts'], outfile: 'dist/metering-gate.mjs', banner: { js: banner }, plugins: [debugAlwaysOff, sdkPartitions, pinoForTheGate({ cli: true }), lazyBuiltins] });
await chmod('dist/metering-gate.mjs', 0o755);

// --- startup snapshot entry (issue 5): dist/metering-gate.snapshot.cjs ---------------------
// The same CLI, as the entry of a V8 startup snapshot that an image build makes with its own
// node (`node --snapshot-blob B --build-snapshot dist/metering-gate.snapshot.cjs`, see
// src/cli/snapshot-entry.ts and BENCHMARKS.md). Node 24 runs a snapshot's entry as one
// CommonJS script whose require() gives built-ins only, hence format cjs and no banner.
// Built-ins that Node does not support in a snapshot (http and https among them: their parser
// binding cannot be serialized; child_process, tty, ...) must not load while it is built, yet
// the SDK imports them at the top of its modules. Each becomes a stand-in object with one
// getter per export (the names the building node has), which loads the real module on first
// use: after the start, when the first request is made. Supported built-ins stay plain
// require()s, so that they are loaded into the snapshot.
// Bundled packages that read the environment while they load get the same treatment, so that
// they load in the run and read its environment, not the build's (the snapshot build refuses
// any such read, see guardBuild in src/cli/snapshot-entry.ts): @aws/lambda-invoke-store
// decides at load whether to create globalThis.awslambda.
const SNAPSHOT_DEFERRED_PACKAGES = new Set(['@aws/lambda-invoke-store']);
const SNAPSHOT_SUPPORTED = new Set(
  ['assert', 'assert/strict', 'buffer', 'console', 'constants', 'crypto', 'diagnostics_channel', 'dns', 'events', 'fs', 'fs/promises', 'net', 'os', 'path', 'path/posix', 'path/win32', 'process', 'punycode', 'querystring', 'stream', 'stream/promises', 'string_decoder', 'sys', 'timers', 'timers/promises', 'url', 'util', 'util/types', 'v8', 'zlib'].map((name) => `node:${name}`),
);
const snapshotBuiltins = {
  name: 'snapshot-builtins',
  setup(pluginBuild) {
    // Object.keys and destructuring work (one enumerable getter per export); but a getter that
    // fires while the snapshot is being built (say, a destructuring require at load) would put
    // the real module, unsupported, into it, so it fails the build there, naming the module.
    const standIn = (target, names) => `let loaded;
const load = () => {
  if (loaded === undefined && require('node:v8').startupSnapshot.isBuildingSnapshot()) {
    throw new Error(${JSON.stringify(`${target} was used while building the startup snapshot, which cannot hold it: defer that use (a destructuring require at load counts) to run time, or list the module in SNAPSHOT_SUPPORTED in scripts/build.mjs if Node supports it there`)});
  }
  return (loaded ??= require(${JSON.stringify(target)}));
};
for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`;
    pluginBuild.onResolve({ filter: BUILTIN_NAME }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      if (args.namespace === 'snapshot-deferred-builtin' || SNAPSHOT_SUPPORTED.has(path)) return { path, external: true };
      return { path, namespace: 'snapshot-deferred-builtin' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'snapshot-deferred-builtin' }, async (args) => ({
      contents: standIn(args.path, Object.keys(await import(args.path)).filter((name) => name !== 'default')),
      loader: 'js',
    }));
    pluginBuild.onResolve({ filter: /^@/ }, async (args) => {
      if (!SNAPSHOT_DEFERRED_PACKAGES.has(args.path) || args.pluginData === 'real') return undefined;
      // The file esbuild would have bundled (same main fields), required by path from the stand-in.
      const real = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'snapshot-deferred-package' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'snapshot-deferred-package' }, async (args) => ({
      contents: standIn(args.path, Object.keys(await import(args.path)).filter((name) => name !== 'default')),
      resolveDir: '.',
      loader: 'js',
    }));
  },
};
await build({ ...shared, format: 'cjs', entryPoints: ['src/cli/snapshot-entry.ts'], outfile: 'dist/metering-gate.snapshot.cjs', plugins: [debugAlwaysOff, sdkPartitions, pinoForTheGate({ cli: true, snapshot: true }), snapshotBuiltins] });

// --- library entry: `import { verifyEntitlement } from 'metering-gate'` --------------------
// dist/lib.mjs for Node workloads (no shebang, not minified so their stack traces read), and
// its declarations. tsc takes seconds, so it runs only when a source is newer than its output.
// The image build passes --cli-only: the image runs the CLI and ships no library.
if (!process.argv.includes('--cli-only')) {
  const libBanner = banner.split('\n').slice(1).join('\n');
  await build({ ...shared, minify: false, keepNames: true, entryPoints: ['src/lib/index.ts'], outfile: 'dist/lib.mjs', banner: { js: libBanner }, plugins: [debugAlwaysOff, sdkPartitions, pinoForTheGate()] });
  // The same library for require(): CommonJS workloads (and TypeScript compiling to CommonJS)
  // get a working require('metering-gate') rather than ERR_PACKAGE_PATH_NOT_EXPORTED. A
  // CommonJS file has its own require, so no banner.
  await build({ ...shared, format: 'cjs', minify: false, keepNames: true, entryPoints: ['src/lib/index.ts'], outfile: 'dist/lib.cjs', plugins: [debugAlwaysOff, sdkPartitions, pinoForTheGate()] });
  writeFileSync('dist/lib.d.cts', "export * from './types/lib/index.js';\n");
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = `${dir}/${entry.name}`;
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const declarations = 'dist/lib.d.ts';
  const sourcesChanged = Math.max(newest('src'), statSync('tsconfig.lib.json').mtimeMs, statSync('tsconfig.json').mtimeMs);
  if (!existsSync(declarations) || !existsSync('dist/types/lib/index.d.ts') || statSync(declarations).mtimeMs < sourcesChanged) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.lib.json'], { stdio: 'inherit' });
    writeFileSync(declarations, "export * from './types/lib/index.js';\n");
  }
}
