// The Dockerfile read as text, for what needs no engine: the startup snapshot must be built
// under exactly the V8 flags the ENTRYPOINT runs it with, or V8 drops the blob's code cache and
// every start compiles http, https and tls from source (see scripts/lib/snapshot.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/gate.mjs';
import { SNAPSHOT_NODE_FLAGS } from '../../scripts/lib/snapshot.mjs';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** The exec-form array of the one instruction whose array contains `marker`. */
function execForm(instruction, marker) {
  const found = dockerfile
    .split('\n')
    .filter((line) => line.startsWith(`${instruction} [`))
    .map((line) => JSON.parse(line.slice(instruction.length + 1)))
    .filter((argv) => argv.includes(marker));
  assert.equal(found.length, 1, `one ${instruction} with ${marker}, found ${found.length}`);
  return found[0];
}

/** Node's options: everything between the node binary and --snapshot-blob. */
const nodeFlags = (argv) => argv.slice(1, argv.indexOf('--snapshot-blob'));

test('the snapshot is built under the V8 flags the ENTRYPOINT starts it with', () => {
  const build = execForm('RUN', '--build-snapshot');
  const entrypoint = execForm('ENTRYPOINT', '--snapshot-blob');
  assert.equal(build[0], entrypoint[0], 'the same node builds and runs the blob');
  assert.deepEqual(nodeFlags(build), nodeFlags(entrypoint));
  assert.deepEqual(nodeFlags(entrypoint), [...SNAPSHOT_NODE_FLAGS], 'the flags the benchmarks and the snapshot tests use');
});
