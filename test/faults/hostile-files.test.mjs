// issue 11 cases 3, 4, 8 and 9: what sits at the paths the gate reads and writes cannot hang
// it, cost the workload memory, leave a torn file, or let an old result stand for a new run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, ROOT, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { signalWhen } from '../helpers/poll.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator({ scenario: 'entitled' });
});
after(async () => {
  await emulator?.stop();
});

const env = (extra = {}) => baseEnv({ AWS_REGION: 'us-east-1', ...extra });

function mkfifo(path) {
  execFileSync('mkfifo', [path]);
  return path;
}


const hostileResults = [
  ['a FIFO', (dir) => mkfifo(join(dir, 'entitlement.json')), /a FIFO, not a regular file/],
  ['a symlink to /dev/zero', (dir) => symlinkSync('/dev/zero', join(dir, 'entitlement.json')), /a device, not a regular file/],
  ['a 400 MB file', (dir) => (writeFileSync(join(dir, 'entitlement.json'), ''), truncateSync(join(dir, 'entitlement.json'), 400_000_000)), /400000000 bytes, more than a result file can be/],
];

for (const [what, plant, message] of hostileResults) {
  test(`verify: ${what} at entitlement.json is refused at once with exit 11, with and without --wait`, async () => {
    const dir = tempDir();
    plant(dir);
    for (const extra of [[], ['--wait', '30s']]) {
      const run = await runGate(['verify', '--output-dir', dir, '--public-key-file', emulator.keyPath, ...extra], { env: baseEnv(), timeoutMs: 20_000 });
      assert.equal(run.code, 11, `exit ${run.code} ${run.signal ?? ''} after ${run.durationMs} ms ${extra.join(' ')}: ${run.stderr}`);
      assert.equal(run.result.errorCode, 'RESULT_MISSING');
      assert.match(run.result.message, message);
    }
  });
}

test('verifyEntitlement (the library): a FIFO at the result file is refused, not waited on', async () => {
  const dir = tempDir();
  const file = mkfifo(join(dir, 'entitlement.json'));
  const { verifyEntitlement } = await import(pathToFileURL(join(ROOT, 'dist', 'lib.mjs')).href);
  await assert.rejects(verifyEntitlement({ file, publicKey: emulator.keyPath }), (error) => (assert.equal(error.code, 'RESULT_MISSING'), assert.match(error.message, /FIFO/), true));
});

test('verify --wait: SIGTERM ends it within a second, sent once it is waiting', async () => {
  const dir = tempDir();
  let sentAt = 0;
  const run = await runGate(['verify', '--output-dir', dir, '--public-key-file', emulator.keyPath, '--wait', '60s', '--log-level', 'debug'], {
    env: baseEnv(),
    timeoutMs: 30_000,
    onSpawn: (child) => {
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const { onSpawn, sent } = signalWhen(() => stderr.includes('waiting for the result file'), 'SIGTERM');
      onSpawn(child);
      child.once('exit', () => (sentAt = sent.at));
    },
  });
  assert.equal(run.code, 143, run.stderr);
  assert.ok(sentAt > 0);
  assert.ok(Date.now() - sentAt < 1_000 + 500, `ended ${Date.now() - sentAt} ms after SIGTERM`);
});

test('register: a FIFO at AWS_CONFIG_FILE is refused (exit 2, naming it) instead of hanging the exit', async () => {
  const home = tempDir();
  const fifo = mkfifo(join(home, 'config-fifo'));
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out), { env: env({ AWS_CONFIG_FILE: fifo }), outputDir: out, timeoutMs: 20_000 });
  assert.equal(run.code, 2, `exit ${run.code} ${run.signal ?? ''} after ${run.durationMs} ms: ${run.stderr.slice(-600)}`);
  assert.match(run.file.message, /AWS_CONFIG_FILE\) is not a regular file/);
  assert.match(run.file.hint, /point AWS_CONFIG_FILE at the real file, or unset it/);
});

test('register under a 1 KiB file size limit: exit 10 naming the volume, and no torn entitlement.json', async () => {
  const out = tempDir();
  // A long nonce makes the result larger than the limit, as a 5 KiB result on a small tmpfs.
  const args = gateArgs(emulator, out, ['--nonce', 'n'.repeat(255)]);
  const run = await runGate(['-c', 'ulimit -f 1 && exec "$@"', 'sh', process.execPath, BUNDLE, ...args], { env: env(), outputDir: out, command: ['sh'] });
  assert.equal(run.code, 10, run.stderr.slice(-800));
  assert.equal(run.result.errorCode, 'OUTPUT_UNWRITABLE');
  assert.match(run.result.message, /EFBIG|ESHORTWRITE/);
  assert.match(run.result.hint, new RegExp(`volume mounted at ${out}`));
  assert.deepEqual(readdirSync(out), [], 'no result and no temporary file left: whole or absent');
});

test('--output-dir under /proc/sys is refused with exit 10 at once (Node\'s recursive mkdir spins there)', async () => {
  const run = await runGate(gateArgs(emulator, '/proc/sys/metering-gate-test/x'), { env: env(), timeoutMs: 15_000 });
  assert.equal(run.code, 10, `exit ${run.code} ${run.signal ?? ''} after ${run.durationMs} ms`);
  assert.match(run.result.message, /is on procfs, a kernel interface/);
  assert.match(run.result.hint, /not under \/proc or \/sys/);
});

test('a killed run leaves no result behind, not the previous ENTITLED one, and verify --wait does not take the old file', async () => {
  const out = tempDir();
  await emulator.setScenario('entitled');
  const first = await runGate(gateArgs(emulator, out), { env: env(), outputDir: out });
  assert.equal(first.file.status, 'ENTITLED');

  await emulator.setScenario('hang');
  try {
    const { onSpawn } = signalWhen(async () => (await emulator.requests().catch(() => [])).length > 0, 'SIGKILL');
    const killed = await runGate(gateArgs(emulator, out, ['--attempt-timeout', '60s']), { env: env(), outputDir: out, onSpawn });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(existsSync(join(out, 'entitlement.json')), false, 'the previous ENTITLED result is gone');
    assert.equal(existsSync(join(out, 'entitlement.env')), false);

    const waited = await runGate(['verify', '--output-dir', out, '--public-key-file', emulator.keyPath, '--wait', '1s'], { env: baseEnv() });
    assert.equal(waited.code, 11);
  } finally {
    await emulator.setScenario('entitled');
  }
});

test('a run that cannot write its result removes the previous one', async () => {
  const out = tempDir();
  const first = await runGate(gateArgs(emulator, out), { env: env(), outputDir: out });
  assert.equal(first.file.status, 'ENTITLED');
  const run = await runGate(['-c', 'ulimit -f 1 && exec "$@"', 'sh', process.execPath, BUNDLE, ...gateArgs(emulator, out, ['--nonce', 'n'.repeat(255)])], { env: env(), outputDir: out, command: ['sh'] });
  assert.equal(run.code, 10);
  assert.deepEqual(readdirSync(out), []);
});
