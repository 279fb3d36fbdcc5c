// Unit tests import the TypeScript sources themselves: each module is bundled as the build
// bundles the CLI (bench/lib/bundle.mjs, with the same plugins), so a unit test sees exactly
// the code under src/ without a TypeScript loader.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleEntries } from '../../bench/lib/bundle.mjs';

const loaded = new Map();

/** Imports `src/<path>.ts` (path relative to src/, without the extension), bundled with its dependencies. */
export function importSource(path) {
  if (!loaded.has(path)) loaded.set(path, load(path));
  return loaded.get(path);
}

async function load(path) {
  const [file] = await bundleEntries([`src/${path}.ts`], 'gate-unit-');
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
