import { isSea } from 'node:sea';

/**
 * The arguments of a start from the startup snapshot, in the shape the CLI parses (node,
 * script, ...arguments). The two ways to start from it differ: `node --snapshot-blob B -- a b`
 * gives [node, a, b], while the single executable (dist/metering-gate-linux-<arch>, whose blob
 * holds the same snapshot) gives [binary, binary, a, b], as Node gives every single executable
 * application. Taking one slice for both made the binary parse its own path as an argument.
 */
export function argvFromSnapshotStart(argv: readonly string[], scriptName: string): string[] {
  return [process.execPath, scriptName, ...argv.slice(isSea() ? 2 : 1)];
}
