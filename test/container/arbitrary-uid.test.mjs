// Arbitrary UIDs, as OpenShift's restricted-v2 runs containers (a random UID in group 0) or a
// runAsUser other than the image's 65532: the image's own result volume is group 0 and
// group-writable, so the gate writes there; a directory it may not write gets exit 10 with a
// hint naming the owner, the mode, the gate's user and the fix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { detectEngine, engine, ensureImage, startEmulator, tempDir, lastJsonLine } from '../../scripts/container/testlib.mjs';

const found = detectEngine();
const skip = found.name ? false : `no container engine here, skipped: ${found.reason}`;
const PRODUCT = 'mguidproduct0123456789';
const OUT = '/var/run/metering-gate';
const KEY_IN = '/etc/metering-gate/public-key.pem';
const ARBITRARY = '12345:0';
const volume = `mg-uid-${randomUUID().slice(0, 8)}`;

let image;
let emulator;
let keyFile;
before(async () => {
  if (skip) return;
  image = (await ensureImage()).tag;
  emulator = await startEmulator('entitled');
  keyFile = join(tempDir('uid-key'), 'public-key.pem');
  writeFileSync(keyFile, emulator.key());
  chmodSync(keyFile, 0o644);
}, { timeout: 900_000 });
after(() => {
  emulator?.stop();
  if (!skip) engine(['volume', 'rm', '-f', volume]);
});

const envArgs = (env) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
const gate = (mount, args = []) => engine(['run', '--rm', '--read-only', '--cap-drop', 'ALL', '--network=host', '--user', ARBITRARY,
  '-v', mount, '-v', `${keyFile}:${KEY_IN}:ro`,
  ...envArgs({
    METERING_GATE_PRODUCT_CODE: PRODUCT, METERING_GATE_PUBLIC_KEY_FILE: KEY_IN, METERING_GATE_ENDPOINT_URL: emulator.url,
    METERING_GATE_DEADLINE: '20s', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'uid-test-not-a-secret',
  }),
  image, ...args]);

test('the image\'s result directory is owned by 65532, group 0, mode 2775', { skip }, () => {
  const r = engine(['run', '--rm', '--network=none', '--entrypoint', '/nodejs/bin/node', image, '-e',
    `const s = require('node:fs').statSync(${JSON.stringify(OUT)}); console.log(s.uid, s.gid, (s.mode & 0o7777).toString(8))`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '65532 0 2775');
});

test(`--user ${ARBITRARY} on the image's own volume: exit 0, and the result verifies`, { skip }, () => {
  const r = gate(`${volume}:${OUT}`);
  assert.equal(r.status, 0, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(lastJsonLine(r.stdout)?.status, 'ENTITLED');
  const v = gate(`${volume}:${OUT}:ro`, ['verify', '--product-code', PRODUCT]);
  assert.equal(v.status, 0, `verify exit ${v.status}\n${v.stdout}\n${v.stderr}`);
});

test(`--user ${ARBITRARY} on a directory owned by 65532:65532 mode 0755: exit 10, and the hint says whose it is and what to do`, { skip: skip || (process.getuid?.() !== 0 && 'needs root to chown the test directory') }, () => {
  const dir = tempDir('uid-denied');
  chownSync(dir, 65532, 65532);
  const r = gate(`${dir}:${OUT}`);
  assert.equal(r.status, 10, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = lastJsonLine(r.stdout);
  assert.equal(result?.errorCode, 'OUTPUT_UNWRITABLE');
  assert.match(result.hint, new RegExp(`^${OUT} is owned by 65532:65532 with mode 0755, and the gate runs as 12345:0, which may not write there\\.`));
  assert.match(result.hint, /chgrp 0 \/var\/run\/metering-gate && chmod g\+rwx \/var\/run\/metering-gate/);
  assert.match(result.hint, /fsGroup/);
});
