// Each registration is bound to the pod or ECS task it ran in, and verify in that workload
// accepts only its own pod's or task's result: with no age limit while the binding holds
// (restarts of the main container keep working), never for a result copied from elsewhere.
// Later times come from a faked clock (test/helpers/fake-clock.cjs) in the verify process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEcsMetadata } from '../helpers/fake-metadata.mjs';
import { BUNDLE, ROOT, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

const FAKE_CLOCK = join(ROOT, 'test', 'helpers', 'fake-clock.cjs');
const HOUR = 3_600_000;
const POD_A = '6f1c9a52-1d0e-4d7b-9a51-6b3f2b7c0a11';
const POD_B = '0b8e4c1f-7a2d-4e6b-8c3a-9d5f1e2a3b44';
const TASK_A = 'arn:aws:ecs:us-east-1:111122223333:task/default/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const TASK_B = 'arn:aws:ecs:us-east-1:111122223333:task/default/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const BOUND_NONCE = /^[0-9a-f-]{36}\.(k8s-pod|ecs-task)\.[A-Za-z0-9_-]{43}$/;

let emulator;
const fakes = [];
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
  for (const fake of fakes) await fake.close();
});

async function register(env, extraArgs = []) {
  await emulator.clearRequests();
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, extraArgs), { env: baseEnv({ AWS_REGION: 'us-east-1', ...env }), outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  return { out, file: run.file, requests: await emulator.requests() };
}

/** verify as the main container runs it, `offsetMs` after now; always the plain bundle, as the faked clock needs --require. */
function verifyAt(offsetMs, out, env = {}, extraArgs = []) {
  return runGate(['verify', '--public-key-file', emulator.keyPath, '--output-dir', out, '--product-code', 'prod-test-1', ...extraArgs], {
    env: baseEnv({ FAKE_CLOCK_OFFSET_MS: String(offsetMs), ...env }),
    command: [process.execPath, '--require', FAKE_CLOCK, BUNDLE],
  });
}

function copied(out) {
  const dir = tempDir();
  cpSync(join(out, 'entitlement.json'), join(dir, 'entitlement.json'));
  return dir;
}

test('the faked clock really moves the verify process an hour on (so the tests below can fail)', async () => {
  const { out } = await register({});
  const late = await verifyAt(HOUR, out, {}, ['--max-age', '30m']);
  assert.equal(late.code, 5, late.stderr);
  assert.match(late.result.message, /older than/);
  assert.equal((await verifyAt(0, out, {}, ['--max-age', '30m'])).code, 0);
});

test('Kubernetes: the nonce sent carries the pod binding, and the result records it', async () => {
  const { file, requests } = await register({ METERING_GATE_POD_UID: POD_A });
  assert.match(file.nonce, BOUND_NONCE);
  assert.ok(!file.nonce.includes(POD_A), 'the pod UID itself is not sent to AWS');
  assert.deepEqual(file.binding, { kind: 'kubernetes-pod', id: POD_A });
  assert.equal(requests.length, 1);
  assert.equal(requests[0].body.Nonce, file.nonce);
  assert.equal(file.claims.nonce, file.nonce);
});

test('Kubernetes: the same pod passes now, an hour later, and after main-container restarts a day apart', async () => {
  const { out } = await register({ METERING_GATE_POD_UID: POD_A });
  for (const offsetMs of [0, HOUR, 25 * HOUR]) {
    const run = await verifyAt(offsetMs, out, { METERING_GATE_POD_UID: POD_A });
    assert.equal(run.code, 0, `${offsetMs}ms later: ${run.stderr}`);
    assert.equal(run.result.binding, 'kubernetes-pod');
  }
});

test('Kubernetes: a result copied into another pod is refused (exit 5), now and later', async () => {
  const { out } = await register({ METERING_GATE_POD_UID: POD_A });
  const elsewhere = copied(out);
  for (const offsetMs of [0, HOUR]) {
    const run = await verifyAt(offsetMs, elsewhere, { METERING_GATE_POD_UID: POD_B });
    assert.equal(run.code, 5, run.stderr);
    assert.equal(run.result.errorCode, 'TOKEN_INVALID');
    assert.match(run.result.message, /registered for another pod/);
    assert.equal(run.result.file, join(elsewhere, 'entitlement.json'));
  }
});

test('Kubernetes: an unbound result (no pod UID at registration, or an explicit --nonce) is refused in a pod', async () => {
  for (const [env, args] of [[{}, []], [{ METERING_GATE_POD_UID: POD_A }, ['--nonce', 'my-own-nonce']]]) {
    const { out, file } = await register(env, args);
    assert.equal(file.binding.kind, 'none');
    const run = await verifyAt(0, out, { METERING_GATE_POD_UID: POD_A });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.result.message, /not bound to a pod/);
  }
});

test('an explicit --max-age still applies to a bound result', async () => {
  const { out } = await register({ METERING_GATE_POD_UID: POD_A });
  const run = await verifyAt(HOUR, out, { METERING_GATE_POD_UID: POD_A }, ['--max-age', '30m']);
  assert.equal(run.code, 5, run.stderr);
  assert.match(run.result.message, /older than/);
});

test('no pod or task identity: a 24h age limit, which the workload\'s environment cannot loosen', async () => {
  const { out } = await register({});
  assert.equal((await verifyAt(23 * HOUR, out)).code, 0);
  const loosened = { METERING_GATE_MAX_TOKEN_AGE: '100000h', METERING_GATE_CLOCK_SKEW: '100000h' };
  const late = await verifyAt(25 * HOUR, out, loosened);
  assert.equal(late.code, 5, late.stderr);
  assert.match(late.result.message, /older than/);
  // Only an explicit flag can allow more.
  assert.equal((await verifyAt(25 * HOUR, out, {}, ['--max-age', '48h'])).code, 0);
  // A token from the future is not made acceptable by the environment either.
  const early = await verifyAt(-HOUR, out, loosened);
  assert.equal(early.code, 5, early.stderr);
  assert.match(early.result.message, /in the future/);
});

test('ECS: bound to the task ARN; another task\'s copy is refused; an unreadable task metadata endpoint is refused', async () => {
  const taskA = await startEcsMetadata({ taskArn: TASK_A });
  const taskB = await startEcsMetadata({ taskArn: TASK_B });
  const broken = await startEcsMetadata({ taskArn: TASK_A, behaviour: 'garbage' });
  fakes.push(taskA, taskB, broken);
  const { out, file } = await register({ ECS_CONTAINER_METADATA_URI_V4: taskA.metadataUri });
  assert.equal(file.regionSource, 'ecs-task-metadata');
  assert.match(file.nonce, BOUND_NONCE);
  assert.deepEqual(file.binding, { kind: 'ecs-task', id: TASK_A });

  const same = await verifyAt(2 * HOUR, out, { ECS_CONTAINER_METADATA_URI_V4: taskA.metadataUri });
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.result.binding, 'ecs-task');

  const other = await verifyAt(0, copied(out), { ECS_CONTAINER_METADATA_URI_V4: taskB.metadataUri });
  assert.equal(other.code, 5, other.stderr);
  assert.match(other.result.message, /registered for another task/);

  const unreadable = await verifyAt(0, out, { ECS_CONTAINER_METADATA_URI_V4: broken.metadataUri });
  assert.equal(unreadable.code, 5, unreadable.stderr);
  assert.match(unreadable.result.message, /binding cannot be checked/);

  // A pod UID does not stand in for the task: ECS task metadata is asked first.
  const withPodUid = await verifyAt(0, copied(out), { ECS_CONTAINER_METADATA_URI_V4: taskB.metadataUri, METERING_GATE_POD_UID: POD_A });
  assert.equal(withPodUid.code, 5);
});

test('the README\'s verify recipe survives a main-container restart an hour later', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const recipe = /```sh\n(metering-gate verify [^`]*?\|\| exit \$\?)\n```/.exec(readme)?.[1];
  assert.ok(recipe, 'the README has a `metering-gate verify ... || exit $?` recipe');
  const keyDir = tempDir();
  const { out } = await register({ METERING_GATE_POD_UID: POD_A });
  // The recipe as written, with its paths pointed at this test's files.
  const keyPath = join(keyDir, 'key.pem');
  cpSync(emulator.keyPath, keyPath);
  const resultFile = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  const productCode = /--product-code (\S+)/.exec(recipe)?.[1];
  assert.ok(productCode, 'the recipe names a product code');
  const command = recipe.replace('/etc/metering-gate/key.pem', keyPath).replace(productCode, resultFile.productCode);
  const bin = tempDir();
  writeFileSync(join(bin, 'metering-gate'), `#!/bin/sh\nexec "${process.execPath}" --require "${FAKE_CLOCK}" "${BUNDLE}" "$@"\n`);
  chmodSync(join(bin, 'metering-gate'), 0o755);
  const start = (offsetMs) =>
    spawnSync('sh', ['-c', `${command}\necho workload-started`], {
      encoding: 'utf8',
      env: { ...baseEnv({ METERING_GATE_POD_UID: POD_A, METERING_GATE_OUTPUT_DIR: out, FAKE_CLOCK_OFFSET_MS: String(offsetMs) }), PATH: `${bin}:${process.env.PATH}` },
    });
  for (const offsetMs of [0, HOUR]) {
    const run = start(offsetMs);
    assert.equal(run.status, 0, `${offsetMs}ms later: ${run.stderr}`);
    assert.match(run.stdout, /workload-started/);
  }
  // And the same recipe in another pod, with this pod's file, does not start the workload.
  const elsewhere = spawnSync('sh', ['-c', `${command}\necho workload-started`], {
    encoding: 'utf8',
    env: { ...baseEnv({ METERING_GATE_POD_UID: POD_B, METERING_GATE_OUTPUT_DIR: out }), PATH: `${bin}:${process.env.PATH}` },
  });
  assert.equal(elsewhere.status, 5, elsewhere.stderr);
  assert.doesNotMatch(elsewhere.stdout, /workload-started/);
});
