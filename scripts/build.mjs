// Bundles the CLI into one file that runs with plain `node` and no node_modules.
import { build } from 'esbuild';
import { readFile, chmod, mkdir } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

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
  minify: true,
  legalComments: 'linked',
  define: { __GATE_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
await build({ ...shared, entryPoints: ['src/cli/main.ts'], outfile: 'dist/metering-gate.mjs', banner: { js: banner } });
await chmod('dist/metering-gate.mjs', 0o755);
