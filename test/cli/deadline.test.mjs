// issue 11 case 6 and issue 12 item 4: --deadline bounds every wait before the first call
// (platform metadata, credentials), and a deadline that passes before the service was ever
// asked is no outage: it is never GRACE, even under --on-unavailable allow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { startEcsMetadata } from '../helpers/fake-metadata.mjs';
import { assertValidResult } from '../faults/result-file.mjs';

let emulator;
let hungMetadata;
before(async () => {
  emulator = await startEmulator({ scenario: 'entitled' });
  hungMetadata = await startEcsMetadata({ behaviour: 'hang' });
});
after(async () => {
  await emulator?.stop();
  await hungMetadata?.close();
});

for (const onUnavailable of ['deny', 'allow']) {
  test(`ECS task metadata that never answers: --deadline 500ms ends the run by then, with exit 6 and no GRACE (--on-unavailable ${onUnavailable})`, async () => {
    const out = tempDir();
    const run = await runGate(gateArgs(emulator, out, ['--deadline', '500ms', '--on-unavailable', onUnavailable]), {
      env: baseEnv({ ECS_CONTAINER_METADATA_URI_V4: hungMetadata.url }),
      outputDir: out,
    });
    const file = assertValidResult(run, out, { code: 6, errorCode: 'SERVICE_UNAVAILABLE', status: 'ERROR' });
    assert.equal(file.attempts, 0);
    assert.equal(file.stoppedBy, 'deadline');
    assert.match(file.message, /^RegisterUsage was not called: the 500ms deadline passed while waiting for the region/);
    // Measured inside the gate, so process start-up under load does not count.
    assert.ok(file.durationMs < 1_900, `the lookup was cut at the deadline (${file.durationMs} ms), not at its own 2 s probe timeout`);
  });
}

test('a region from the environment after the metadata hung past the deadline: still not called, still not GRACE', async () => {
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, ['--deadline', '500ms', '--on-unavailable', 'allow']), {
    env: baseEnv({ ECS_CONTAINER_METADATA_URI_V4: hungMetadata.url, AWS_REGION: 'us-east-1' }),
    outputDir: out,
  });
  const file = assertValidResult(run, out, { code: 6, errorCode: 'SERVICE_UNAVAILABLE', status: 'ERROR' });
  assert.equal(file.attempts, 0);
  assert.equal(file.region, 'us-east-1');
  assert.match(file.message, /^RegisterUsage was not called: the 500ms deadline left less than/);
  assert.deepEqual(await emulator.requests(), []);
});
