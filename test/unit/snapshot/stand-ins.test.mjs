// The build's placeholder modules (issue 12, item 7): a built-in that loads on first use
// (lazyBuiltins) or that a startup snapshot cannot hold (snapshotBuiltins) is a stand-in that
// Object.keys and destructuring read like the module itself; the snapshot's stand-in, used
// while the snapshot is built, fails the build loudly, naming the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { lazyBuiltins, snapshotBuiltins } from '../../../scripts/lib/esbuild-plugins.mjs';

const run = promisify(execFile);

/** Bundles `source` (CommonJS) with one plugin, as the build does, and returns the bundle's path. */
async function bundle(dir, name, source, plugin) {
  const entry = join(dir, `${name}.src.cjs`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.cjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', plugins: [plugin], logLevel: 'silent' });
  return outfile;
}

// Reads the module every way code reads one, and prints what it saw.
const READER = (name, member) => `const whole = require(${JSON.stringify(name)});
const { ${member}: member } = require(${JSON.stringify(name)});
const real = process.getBuiltinModule(${JSON.stringify(name)});
process.stdout.write(JSON.stringify({
  keys: Object.keys(whole).includes(${JSON.stringify(member)}),
  inOperator: ${JSON.stringify(member)} in whole,
  destructured: typeof member,
  spread: typeof { ...whole }[${JSON.stringify(member)}],
  same: member === real[${JSON.stringify(member)}],
}));`;

test('lazy built-ins: Object.keys, in, destructuring and spread see the real module', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-stand-in-'));
  try {
    const file = await bundle(dir, 'lazy', READER('node:child_process', 'spawn'), lazyBuiltins);
    const { stdout } = await run(process.execPath, [file]);
    assert.deepEqual(JSON.parse(stdout), { keys: true, inOperator: true, destructured: 'function', spread: 'function', same: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot stand-ins: read like the module at run time, and fail the snapshot build when used during it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-stand-in-'));
  try {
    const file = await bundle(dir, 'snapshot', READER('node:http', 'request'), snapshotBuiltins);
    const { stdout } = await run(process.execPath, [file]);
    assert.deepEqual(JSON.parse(stdout), { keys: true, inOperator: true, destructured: 'function', spread: 'function', same: true });

    // A destructuring require at load is a use while building: the build must stop, naming the module.
    const atLoad = await bundle(dir, 'at-load', "const { request } = require('node:http');\nmodule.exports = request;\n", snapshotBuiltins);
    const failed = await run(process.execPath, ['--snapshot-blob', join(dir, 'blob'), '--build-snapshot', atLoad]).then(
      () => null,
      (error) => error,
    );
    assert.ok(failed, 'the snapshot build succeeded with node:http used while building');
    assert.match(failed.stderr, /node:http was used while building the startup snapshot, which cannot hold it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
