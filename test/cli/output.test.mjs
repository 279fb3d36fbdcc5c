// Result files: a read-only volume gives exit 10 with the result still on stdout, and a reader
// polling the file while runs overwrite it never sees a partial document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

test('a read-only output directory: exit 10, the result still printed on stdout', async () => {
  const out = tempDir();
  const readOnly = join(out, 'volume');
  mkdirSync(readOnly);
  let command;
  if (canUnshare) {
    // Root ignores permission bits, so make the volume really read-only: a read-only bind
    // mount in a private mount namespace that disappears with the process.
    command = ['unshare', '-m', 'sh', '-c', `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`, readOnly, process.execPath, BUNDLE];
  } else {
    chmodSync(readOnly, 0o555);
    command = [process.execPath, BUNDLE];
  }
  const run = await runGate(gateArgs(emulator, readOnly), { env: baseEnv({ AWS_REGION: 'us-east-1' }), command });
  assert.equal(run.code, 10, run.stderr);
  assert.equal(run.result.errorCode, 'OUTPUT_UNWRITABLE');
  assert.match(run.result.message, canUnshare ? /EROFS/ : /EACCES/);
  assert.equal(run.result.signatureVerified, true);
  assert.deepEqual(readdirSync(readOnly), [], 'nothing half-written');
});

test('a reader polling entitlement.json during runs never sees partial JSON', async () => {
  const out = tempDir();
  await emulator.setScenario('entitled');
  let reads = 0;
  let partial = 0;
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      try {
        const text = readFileSync(join(out, 'entitlement.json'), 'utf8');
        reads += 1;
        try {
          const parsed = JSON.parse(text);
          if (parsed.schemaVersion !== 1) partial += 1;
        } catch {
          partial += 1;
        }
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 6; i += 1) {
    const run = await runGate(gateArgs(emulator, out, ['--nonce', `poll-${i}-${'x'.repeat(200)}`]), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
    assert.equal(run.code, 0, run.stderr);
  }
  stop = true;
  await poller;
  assert.ok(reads > 20, `the reader read the file ${reads} times`);
  assert.equal(partial, 0, 'no partial document was ever read');
  assert.deepEqual(readdirSync(out).sort(), ['entitlement.env', 'entitlement.json'], 'no temporary files left behind');
});

test('entitlement.env is sourceable by sh and matches the JSON', async () => {
  const out = tempDir();
  await emulator.setScenario('entitled');
  const run = await runGate(gateArgs(emulator, out, ['--nonce', "it's \"quoted\" $HOME `x`"]), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  const shell = spawnSync('sh', ['-c', `. "${join(out, 'entitlement.env')}" && printf '%s|%s|%s|%s' "$METERING_GATE_STATUS" "$METERING_GATE_ENTITLED" "$METERING_GATE_NONCE" "$METERING_GATE_RESULT_FILE"`], { encoding: 'utf8' });
  assert.equal(shell.status, 0, shell.stderr);
  assert.equal(shell.stdout, `ENTITLED|true|it's "quoted" $HOME \`x\`|${join(out, 'entitlement.json')}`);
});

test('the termination log gets a one-paragraph reason, at most 4096 bytes', async () => {
  const out = tempDir();
  await emulator.setScenario('access-denied');
  const env = baseEnv({ AWS_REGION: 'us-east-1' });
  const run = await runGate(gateArgs(emulator, out), { env, outputDir: out });
  assert.equal(run.code, 8);
  const message = readFileSync(env.METERING_GATE_TERMINATION_LOG, 'utf8');
  assert.match(message, /^metering-gate: ERROR \(ACCESS_DENIED, exit 8\): AccessDeniedException/);
  assert.match(message, /Fix: grant the role/);
  assert.ok(Buffer.byteLength(message) <= 4096);
  assert.ok(!message.includes('\n'));
});
