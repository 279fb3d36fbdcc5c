// The single executable as a container's PID 1 under exec: it finds the reaper as a checkout
// or the npm package lays it out (../native/reaper/prebuilt/ beside dist/) and, copied into a
// seller's image, as ../lib/metering-gate/reaper.node beside its bin/ (README, "Single-image
// products"). This is also the reaper on Node 24 from a startup snapshot, which the binary is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

const BINARY = join(ROOT, 'dist', `metering-gate-linux-${process.arch}`);
if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "make binary" (make test does) before this test`);
const canBePid1 = spawnSync('unshare', ['-Urpf', '--mount-proc', 'true']).status === 0;
const skip = !canBePid1 && 'no user namespaces here (unshare -Urpf --mount-proc)';
const ORPHANS = join(ROOT, 'test', 'fixtures', 'orphans.cjs');

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator?.stop(); });

async function execAsPidOne(binary) {
  const out = tempDir();
  return runGate(['exec', ...gateArgs(emulator, out), '--', process.execPath, ORPHANS, '4'],
    { env: baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_LOG_LEVEL: 'warn' }), outputDir: out, command: ['unshare', '-Urpf', '--mount-proc', binary] });
}

test('the binary in dist/ reaps with the checkout\'s prebuilt reaper', { skip }, async () => {
  const run = await execAsPidOne(BINARY);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^zombies: 0$/m, run.stderr);
});

test('the binary at bin/metering-gate reaps with lib/metering-gate/reaper.node, and without it warns', { skip }, async () => {
  const prefix = tempDir('gate-prefix-');
  mkdirSync(join(prefix, 'bin'));
  copyFileSync(BINARY, join(prefix, 'bin', 'metering-gate'));
  const alone = await execAsPidOne(join(prefix, 'bin', 'metering-gate'));
  assert.equal(alone.code, 0, alone.stderr);
  assert.match(alone.stdout, /^zombies: 4$/m, 'nothing reaps without the addon: the case this test guards');
  assert.match(alone.stderr, /reaper addon was not found/);

  mkdirSync(join(prefix, 'lib', 'metering-gate'), { recursive: true });
  copyFileSync(join(ROOT, 'native', 'reaper', 'prebuilt', `reaper-linux-${process.arch}.node`), join(prefix, 'lib', 'metering-gate', 'reaper.node'));
  const run = await execAsPidOne(join(prefix, 'bin', 'metering-gate'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^zombies: 0$/m, run.stderr);
});
