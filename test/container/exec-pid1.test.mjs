// exec as the image's PID 1, the way a single-container product runs it: the workload leaves
// orphans (test/fixtures/orphans.cjs), and the gate's entrypoint (node + snapshot) collects
// them with the reaper the image carries at /usr/local/lib/metering-gate/reaper.node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectEngine, engine, ensureImage, repoRoot, startEmulator, tempDir } from '../../scripts/container/testlib.mjs';

const found = detectEngine();
const skip = found.name ? false : `no container engine here, skipped: ${found.reason}`;

let image;
let emulator;
before(async () => {
  if (skip) return;
  image = (await ensureImage()).tag;
  emulator = await startEmulator('entitled');
}, { timeout: 900_000 });
after(() => emulator?.stop());

function runExec(extraRunArgs = []) {
  const fixtures = tempDir('pid1-fixtures');
  copyFileSync(join(repoRoot, 'test', 'fixtures', 'orphans.cjs'), join(fixtures, 'orphans.cjs'));
  const key = join(fixtures, 'public-key.pem');
  writeFileSync(key, emulator.key());
  chmodSync(key, 0o644);
  const out = tempDir('pid1-out', { ownedByImageUser: true });
  return engine(['run', '--rm', '--read-only', '--cap-drop', 'ALL', '--network=host', ...extraRunArgs,
    '-v', `${out}:/var/run/metering-gate`, '-v', `${fixtures}:/fixtures:ro`,
    '-e', 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', '-e', 'AWS_SECRET_ACCESS_KEY=pid1-test-not-a-secret', '-e', 'AWS_REGION=us-east-1',
    image, 'exec', '--product-code', 'mgpidoneproduct', '--public-key-file', '/fixtures/public-key.pem', '--endpoint-url', emulator.url,
    '--', '/nodejs/bin/node', '/fixtures/orphans.cjs', '5']);
}

test('exec as the image\'s PID 1 collects the orphans its workload leaves', { skip }, () => {
  const r = runExec();
  assert.equal(r.status, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^zombies: 0$/m, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /reaper addon was not found/);
});

test('the reaper is the image\'s own: hidden by an empty directory, orphans stay and the warning says why', { skip }, () => {
  const empty = tempDir('pid1-no-reaper');
  const r = runExec(['-v', `${empty}:/usr/local/lib/metering-gate:ro`]);
  assert.equal(r.status, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^zombies: 5$/m, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, /exec is PID 1 and its reaper addon was not found/);
});
