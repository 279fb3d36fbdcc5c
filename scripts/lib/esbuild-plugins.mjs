// esbuild plugins that the build and the unit tests share, so both bundle the same code.
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * src/config/sdk-partitions.ts only declares the AWS partition table; this plugin supplies it
 * from the very file the bundled Metering client uses (@aws-sdk/core exports the partition()
 * lookup but not the table, and partition() answers "aws" for any name it does not know, so
 * it cannot tell a region from a typo). If the SDK moves the file, the build fails here.
 */
export const sdkPartitions = {
  name: 'sdk-partitions',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/sdk-partitions\.js$/ }, async (args) => {
      if (!args.importer.includes(`${join('src', 'config')}`)) return undefined;
      const client = await pluginBuild.resolve('@aws-sdk/client-marketplace-metering', { kind: 'import-statement', resolveDir: args.resolveDir });
      if (client.errors.length > 0) return { errors: client.errors };
      const core = await pluginBuild.resolve('@aws-sdk/core/client', { kind: 'import-statement', resolveDir: dirname(client.path) });
      if (core.errors.length > 0) return { errors: core.errors };
      return { path: join(dirname(core.path), 'util-endpoints', 'lib', 'aws', 'partitions.js') };
    });
  },
};

import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** Stand-in source for a pino module, checked against the real module's exports so that a pino update that changes them fails the build rather than the run. */
function checkedStandIn(realPath, exportNames, contents) {
  const real = Object.keys(requireHere(realPath)).sort();
  const given = [...exportNames].sort();
  if (JSON.stringify(real) !== JSON.stringify(given)) {
    throw new Error(`${realPath} exports ${real.join(', ')}, its stand-in ${given.join(', ')}: update scripts/lib/esbuild-plugins.mjs for this pino version`);
  }
  return contents;
}

const TRANSPORTS_REFUSED = "throw new Error('pino transports are not part of metering-gate: it logs synchronously to stderr')";

/**
 * pino as the gate uses it: synchronous writes to stderr, never a transport. What pino loads
 * only for transports is replaced by stand-ins that throw if anything asks for one: its worker
 * thread (thread-stream, which reads process.env as it loads), lib/transport.js (node:module,
 * node:worker_threads), and, for `cli` builds (the CLI bundle and the startup snapshot, which
 * always run on the main thread), sonic-boom and lib/tools.js's worker_threads, used only for
 * pino's own destinations. With `snapshot`, lib/time.js too: it reads the clock while loading, for
 * a nanosecond format the gate does not use, and a snapshot would keep the build's time.
 */
export function pinoForTheGate({ cli = false, snapshot = false } = {}) {
  return {
    name: 'pino-for-the-gate',
    setup(pluginBuild) {
      const stub = (path, contents) => ({ path, namespace: 'pino-for-the-gate', pluginData: contents });
      pluginBuild.onResolve({ filter: /^thread-stream$/ }, () => stub('thread-stream', `module.exports = class ThreadStream { constructor() { ${TRANSPORTS_REFUSED}; } };`));
      pluginBuild.onResolve({ filter: /^\.\/(lib\/)?transport$/ }, (args) => {
        if (!/[\\/]pino[\\/]/.test(args.importer)) return undefined;
        return stub('pino/lib/transport', `module.exports = function transport() { ${TRANSPORTS_REFUSED}; };`);
      });
      if (cli) {
        // The gate hands pino its own synchronous stderr writer, so sonic-boom (pino's file
        // stream, which loads node:assert and with it Node's terminal-colour state) is never built.
        pluginBuild.onResolve({ filter: /^sonic-boom$/ }, (args) => {
          if (!/[\\/]pino[\\/]/.test(args.importer)) return undefined;
          return stub('sonic-boom', "module.exports = class SonicBoom { constructor() { throw new Error('pino.destination() is not part of metering-gate: it writes to stderr itself'); } };");
        });
        pluginBuild.onResolve({ filter: /^(node:)?worker_threads$/ }, (args) => {
          if (!/[\\/]pino[\\/]lib[\\/]tools\.js$/.test(args.importer)) return undefined;
          return stub('pino/worker_threads', 'module.exports = { isMainThread: true };');
        });
      }
      if (snapshot) {
        pluginBuild.onResolve({ filter: /^\.\/lib\/time$/ }, (args) => {
          if (!/[\\/]pino[\\/]pino\.js$/.test(args.importer)) return undefined;
          const contents = checkedStandIn(
            'pino/lib/time.js',
            ['nullTime', 'epochTime', 'unixTime', 'isoTime', 'isoTimeNano'],
            `module.exports = {
  nullTime: () => '',
  epochTime: () => \`,"time":\${Date.now()}\`,
  unixTime: () => \`,"time":\${Math.round(Date.now() / 1000)}\`,
  isoTime: () => \`,"time":"\${new Date(Date.now()).toISOString()}"\`,
  isoTimeNano: () => { throw new Error('pino isoTimeNano is not part of metering-gate'); },
};`,
          );
          return stub('pino/lib/time', contents);
        });
      }
      pluginBuild.onLoad({ filter: /.*/, namespace: 'pino-for-the-gate' }, (args) => ({ contents: args.pluginData, loader: 'js' }));
    },
  };
}

/**
 * The proxy agents log through the `debug` package, which turns itself on from the DEBUG
 * variable and would print the proxy URL, password included, past the gate's redaction. The
 * gate logs through pino only, so `debug` is bundled as a logger that is always off. The same
 * plugin keeps the agents' optional native `kerberos` out of the bundle (below).
 */
export const debugAlwaysOff = {
  name: 'debug-always-off',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'debug-always-off' }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'debug-always-off' }, () => ({
      contents: 'function createDebug() { const debug = () => {}; debug.enabled = false; debug.extend = createDebug; return debug; }\nmodule.exports = createDebug;\nmodule.exports.default = createDebug;\n',
      loader: 'js',
    }));
    // The proxy agents load `kerberos` (a native addon) only for a proxy that asks for
    // Negotiate; a one-file bundle cannot carry it, so that import fails as if not installed
    // and the agent reports that Negotiate is unavailable, instead of the bundle needing
    // node_modules.
    pluginBuild.onResolve({ filter: /^kerberos$/ }, () => ({ path: 'kerberos', namespace: 'debug-always-off-absent' }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'debug-always-off-absent' }, () => ({
      contents: "throw Object.assign(new Error('kerberos is not bundled: metering-gate supports Basic proxy credentials, not Negotiate'), { code: 'MODULE_NOT_FOUND' });\n",
      loader: 'js',
    }));
  },
};

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
export const lazyBuiltins = {
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

// Built-ins that Node does not support in a snapshot (http and https among them: their parser
// binding cannot be serialized; child_process, tty, ...) must not load while it is built, yet
// the SDK imports them at the top of its modules. Each becomes a stand-in object with one
// getter per export (the names the building node has), which loads the real module on first
// use: after the start, when the first request is made. Supported built-ins stay plain
// require()s, so that they are loaded into the snapshot.
// Bundled packages that read the environment while they load get the same treatment, so that
// they load in the run and read its environment, not the build's (the snapshot build refuses
// any such read, see src/snapshot/guard.ts): @aws/lambda-invoke-store
// decides at load whether to create globalThis.awslambda.
const SNAPSHOT_DEFERRED_PACKAGES = new Set(['@aws/lambda-invoke-store']);
const SNAPSHOT_SUPPORTED = new Set(
  ['assert', 'assert/strict', 'buffer', 'console', 'constants', 'crypto', 'diagnostics_channel', 'dns', 'events', 'fs', 'fs/promises', 'net', 'os', 'path', 'path/posix', 'path/win32', 'process', 'punycode', 'querystring', 'stream', 'stream/promises', 'string_decoder', 'sys', 'timers', 'timers/promises', 'url', 'util', 'util/types', 'v8', 'zlib'].map((name) => `node:${name}`),
);
export const snapshotBuiltins = {
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
