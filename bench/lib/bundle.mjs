// Bundles a TypeScript entry of the gate's own sources into one .mjs that runs under plain
// node, the same way scripts/build.mjs bundles the CLI, so benchmarks and tests exercise the
// real modules (not a copy) without a TypeScript loader.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinoForTheGate, sdkPartitions } from '../../scripts/lib/esbuild-plugins.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// CommonJS dependencies call require() for Node built-ins; an ESM bundle has none of its own.
const BANNER = "import { createRequire as __gateCreateRequire } from 'node:module';\nconst require = __gateCreateRequire(import.meta.url);";

/** Bundles each entry (paths relative to the repository) into a fresh temp dir; resolves with their paths, in order. */
export async function bundleEntries(entries, prefix = 'gate-bundle-') {
  const outDir = mkdtempSync(join(tmpdir(), prefix));
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const outputs = [];
  for (const entry of entries) {
    const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.mjs'));
    await build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      define: { __GATE_VERSION__: JSON.stringify(version) },
      banner: { js: BANNER },
      plugins: [sdkPartitions, pinoForTheGate()],
      logLevel: 'warning',
    });
    outputs.push(outfile);
  }
  return outputs;
}
