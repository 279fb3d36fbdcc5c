#!/usr/bin/env node
// The startup snapshot as the image builds and runs it, for the benchmarks and the tests that
// must start the gate the same way (the Dockerfile spells the same flags out; a test holds
// it to them).
//
//   node scripts/lib/snapshot.mjs --node PATH --blob PATH
//
// builds the blob and prints, as JSON, the argv prefix that starts the gate from it.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * The V8 flags the image's node runs the gate with, and so the flags its snapshot must be built
 * with: V8 refuses a code cache made under other flags, and the blob carries Node's code cache
 * for the built-ins the gate loads after start (http, https, tls), which a mismatch would make
 * Node compile from source on every start (~7 ms, BENCHMARKS.md).
 *
 * Both flags turn off a tier of V8's JIT that only pays back in a process that runs for long:
 * Maglev (the mid-tier optimizer, ~2 MiB of peak memory) and Sparkplug (the baseline compiler,
 * which compiles a few hundred functions in a run that ends before that is repaid).
 */
export const SNAPSHOT_NODE_FLAGS = Object.freeze(['--no-maglev', '--no-sparkplug']);

/** Builds a snapshot blob with `node`, under the given V8 flags (the image's by default). */
export function buildSnapshotBlob({ node, blob, entry = 'dist/metering-gate.snapshot.cjs', flags = SNAPSHOT_NODE_FLAGS }) {
  execFileSync(node, [...flags, '--snapshot-blob', resolve(blob), '--build-snapshot', resolve(entry)], {
    cwd: dirname(resolve(blob)),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** The argv prefix that starts the gate from `blob`, under the flags it was built with; `--` ends node's options. */
export function snapshotLauncher({ node, blob, flags = SNAPSHOT_NODE_FLAGS }) {
  return [resolve(node), ...flags, '--snapshot-blob', resolve(blob), '--'];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { node: { type: 'string' }, blob: { type: 'string' } } });
  if (!values.node || !values.blob) {
    process.stderr.write('usage: node scripts/lib/snapshot.mjs --node PATH --blob PATH\n');
    process.exit(2);
  }
  try {
    buildSnapshotBlob({ node: values.node, blob: values.blob });
  } catch (error) {
    process.stderr.write(`snapshot: could not build ${values.blob}: ${error.stderr?.toString().trim() || error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(snapshotLauncher({ node: values.node, blob: values.blob }))}\n`);
}
