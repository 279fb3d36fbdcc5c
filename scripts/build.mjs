// Bundles the CLI into one file that runs with plain `node` and no node_modules.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile, chmod, mkdir } from 'node:fs/promises';
import { debugAlwaysOff, lazyBuiltins, pinoForTheGate, sdkPartitions, snapshotBuiltins } from './lib/esbuild-plugins.mjs';

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
// src/snapshot/entry.ts and BENCHMARKS.md). Node 24 runs a snapshot's entry as one
// CommonJS script whose require() gives built-ins only, hence format cjs and no banner.
// The stand-ins for built-ins (and packages) a snapshot cannot hold: snapshotBuiltins in
// scripts/lib/esbuild-plugins.mjs.
await build({ ...shared, format: 'cjs', entryPoints: ['src/snapshot/entry.ts'], outfile: 'dist/metering-gate.snapshot.cjs', plugins: [debugAlwaysOff, sdkPartitions, pinoForTheGate({ cli: true, snapshot: true }), snapshotBuiltins] });

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
