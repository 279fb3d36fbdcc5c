// Region resolution in the contract's order, each source served for real over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLE, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { startEmulatorProcess } from '../../scripts/lib/emulator-process.mjs';
import { startEcsMetadata, startEcsTaskWithCredentials, startImds } from '../helpers/fake-metadata.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator({ taskRegion: null });
});
after(async () => {
  await emulator?.stop();
});

async function register(envExtra, extraArgs = []) {
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, extraArgs), { env: baseEnv(envExtra), outputDir: out });
  return run;
}

for (const [form, arn] of [
  ['short', 'arn:aws:ecs:eu-central-1:111122223333:task/0123456789abcdef0123456789abcdef'],
  ['long', 'arn:aws:ecs:eu-central-1:111122223333:task/prod-cluster/0123456789abcdef0123456789abcdef'],
]) {
  test(`ECS task metadata v4, ${form} TaskARN: region from the ARN, ahead of AWS_REGION`, async () => {
    const metadata = await startEcsMetadata({ taskArn: arn, launchType: 'EC2' });
    try {
      const run = await register({ ECS_CONTAINER_METADATA_URI_V4: metadata.metadataUri, AWS_REGION: 'us-west-2' });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.file.region, 'eu-central-1');
      assert.equal(run.file.regionSource, 'ecs-task-metadata');
      assert.equal(run.file.platform, 'ecs-ec2');
      assert.deepEqual(metadata.hits, ['/v4/abc-123/task']);
      const [request] = (await emulator.requests()).slice(-1);
      assert.equal(request.region, 'eu-central-1', 'the call was signed for the task region');
    } finally {
      await metadata.close();
    }
  });
}

test('ECS task: the region and the task-role credentials are asked at once, not one after the other', async () => {
  const task = await startEcsTaskWithCredentials({
    taskArn: 'arn:aws:ecs:eu-central-1:111122223333:task/prod-cluster/0123456789abcdef0123456789abcdef',
    credentials: { AccessKeyId: 'ASIATASKROLEPARALLEL', SecretAccessKey: 'task-role-secret', Token: 'task-role-session' },
    holdTaskUntilCredentials: true,
  });
  try {
    const env = baseEnv(task.env);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
    const out = tempDir();
    const run = await runGate(gateArgs(emulator, out), { env, outputDir: out });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.regionSource, 'ecs-task-metadata');
    assert.equal(run.file.region, 'eu-central-1');
    assert.equal(run.file.credentialSource, 'container');
    assert.deepEqual([...task.hits].sort(), ['/creds', '/v4/abc-123/task']);
    const [request] = (await emulator.requests()).slice(-1);
    assert.equal(request.accessKeyId, 'ASIATASKROLEPARALLEL', 'the call was signed with the task role');
  } finally {
    await task.close();
  }
});

test('AWS_REGION, then AWS_DEFAULT_REGION', async () => {
  let run = await register({ AWS_REGION: 'sa-east-1', AWS_DEFAULT_REGION: 'us-east-2' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.region, 'sa-east-1');
  assert.equal(run.file.regionSource, 'env');
  run = await register({ AWS_DEFAULT_REGION: 'us-east-2' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.region, 'us-east-2');
  assert.equal(run.file.regionSource, 'env');
});

test('IMDSv2: token first, then the placement region', async () => {
  const imds = await startImds({ region: 'ap-southeast-2' });
  try {
    const run = await register({ AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.region, 'ap-southeast-2');
    assert.equal(run.file.regionSource, 'imds');
    assert.deepEqual(imds.hits.slice(0, 2), ['PUT /latest/api/token', 'GET /latest/meta-data/placement/region']);
  } finally {
    await imds.close();
  }
});

test('IMDSv2 also gives the instance role when nothing else does: the call is signed with it, and its secret checked', async () => {
  const imds = await startImds({
    region: 'ap-southeast-2',
    credentials: { AccessKeyId: 'ASIAINSTANCEROLE', SecretAccessKey: 'instance-role-secret', Token: 'instance-role-session' },
  });
  const strict = await startEmulatorProcess({ bundle: BUNDLE, taskRegion: null, secretAccessKey: 'instance-role-secret' });
  try {
    const env = baseEnv({ AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
    const out = tempDir();
    const run = await runGate(gateArgs(strict, out), { env, outputDir: out });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.credentialSource, 'imds');
    assert.ok(imds.hits.includes('GET /latest/meta-data/iam/security-credentials/seller-node-role'), imds.hits.join(', '));
    const [request] = (await strict.requests()).slice(-1);
    assert.equal(request.accessKeyId, 'ASIAINSTANCEROLE');
    assert.doesNotMatch(run.stderr + JSON.stringify(run.file), /instance-role-secret|instance-role-session/);
  } finally {
    await strict.stop();
    await imds.close();
  }
});

test('--region overrides everything, with a warning recorded', async () => {
  const run = await register({ AWS_REGION: 'us-west-2' }, ['--region', 'ca-central-1']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.region, 'ca-central-1');
  assert.equal(run.file.regionSource, 'flag');
  assert.ok(run.file.warnings.some((warning) => /hard-coding/.test(warning)));
});

test('no region anywhere: exit 7 naming every source tried, without calling AWS', async () => {
  await emulator.clearRequests();
  const run = await register({});
  assert.equal(run.code, 7);
  assert.equal(run.file.errorCode, 'REGION_UNRESOLVED');
  for (const tried of ['ECS_CONTAINER_METADATA_URI_V4 not set', 'AWS_REGION (not set)', 'AWS_DEFAULT_REGION (not set)', 'AWS_EC2_METADATA_DISABLED=true']) {
    assert.ok(run.file.message.includes(tried), `message names ${tried}: ${run.file.message}`);
  }
  assert.equal((await emulator.requests()).length, 0);
});

test('IMDS that takes the token request but never answers: exit 7 with the hop-limit advice', async () => {
  const imds = await startImds({ behaviour: 'token-hangs' });
  try {
    const run = await register({ AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    assert.equal(run.code, 7);
    assert.equal(run.file.errorCode, 'REGION_UNRESOLVED');
    assert.match(run.file.hint, /hop limit is probably 1/);
    assert.match(run.file.hint, /AWS_REGION/);
    assert.ok(run.durationMs < 5000, `bounded (${run.durationMs}ms)`);
  } finally {
    await imds.close();
  }
});

test('request signed for the wrong region is answered InvalidRegionException (exit 7)', async () => {
  const strict = await startEmulator({ taskRegion: 'us-east-1' });
  try {
    const out = tempDir();
    const run = await runGate(gateArgs(strict, out), { env: baseEnv({ AWS_REGION: 'eu-west-1' }), outputDir: out });
    assert.equal(run.code, 7);
    assert.equal(run.file.errorCode, 'INVALID_REGION');
    assert.match(run.file.hint, /region the task or pod runs in/);
  } finally {
    await strict.stop();
  }
});
