// esbuild plugins that the build and the unit tests share, so both bundle the same code.
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
