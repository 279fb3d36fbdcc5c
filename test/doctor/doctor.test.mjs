// doctor against local fakes: each broken piece gives its own row, its fix and its exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { startImds } from '../helpers/fake-metadata.mjs';

const ROW_IDS = ['platform', 'credentials', 'region', 'imds', 'proxy', 'ca-bundle', 'endpoint', 'sts', 'public-key', 'product-code', 'options', 'output-dir', 'call'];

let emulator;
before(async () => {
  emulator = await startEmulator({ taskRegion: 'us-east-1' });
});
after(async () => {
  await emulator?.stop();
});

function doctorArgs(extra = [], { endpoint = emulator.url, outputDir = join(tempDir(), 'out') } = {}) {
  return ['doctor', '--product-code', 'prod-doctor-1', '--public-key-file', emulator.keyPath, '--endpoint-url', endpoint, '--output-dir', outputDir, ...extra];
}

async function doctorJson(args, env = baseEnv({ AWS_REGION: 'us-east-1' })) {
  const run = await runGate([...args, '--output', 'json'], { env });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    assert.fail(`doctor --output json did not print JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  const rows = Object.fromEntries(report.checks.map((row) => [row.id, row]));
  return { run, report, rows };
}

/** Parses the human table back into rows: `ID  STATUS  finding`, then an indented `fix: ...`. */
function parseTable(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const row = /^([a-z-]+)\s+(PASS|WARN|FAIL|SKIP)\s+(.*)$/.exec(line);
    if (row) rows.push({ id: row[1], status: row[2].toLowerCase(), finding: row[3], fix: null });
    const fix = /^\s+fix: (.*)$/.exec(line);
    if (fix) rows[rows.length - 1].fix = fix[1];
  }
  return rows;
}

const timingFree = (text) => text?.replace(/\d+ms/g, 'Nms') ?? null;

test('all checks pass against the emulator; JSON parses and matches the table row for row', async () => {
  const outputDir = join(tempDir(), 'out');
  const env = baseEnv({ AWS_REGION: 'us-east-1' });
  const { run, report } = await doctorJson(doctorArgs(['--call'], { outputDir }), env);
  assert.equal(run.code, 0, run.stdout);
  assert.equal(report.ok, true);
  assert.equal(report.exitCode, 0);
  assert.deepEqual(report.checks.map((row) => row.id), ROW_IDS);
  assert.ok(report.checks.every((row) => row.status !== 'fail'));
  assert.equal(report.checks.find((row) => row.id === 'call').status, 'pass');

  const table = await runGate(doctorArgs(['--call'], { outputDir }), { env });
  assert.equal(table.code, 0);
  const tableRows = parseTable(table.stdout);
  assert.deepEqual(
    tableRows.map((row) => ({ ...row, finding: timingFree(row.finding) })),
    report.checks.map((row) => ({ id: row.id, status: row.status, finding: timingFree(row.finding), fix: row.status === 'skip' ? null : row.fix })),
  );
  assert.match(table.stdout, /: exit 0\n$/);
  for (const secret of ['metering-gate-test-secret', 'metering-gate-test-session']) {
    assert.ok(!table.stdout.includes(secret) && !run.stdout.includes(secret) && !table.stderr.includes(secret), 'no secret is printed');
  }
});

test('without --call doctor never calls RegisterUsage', async () => {
  await emulator.clearRequests();
  const { run, rows } = await doctorJson(doctorArgs());
  assert.equal(run.code, 0, run.stdout);
  assert.equal(rows.call.status, 'skip');
  assert.deepEqual(await emulator.requests(), []);
});

test('IMDS that takes the token request but never answers: hop-limit advice, exit 7, within the probe timeouts', async () => {
  const imds = await startImds({ behaviour: 'token-hangs' });
  try {
    const env = baseEnv({ AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    const { run, report, rows } = await doctorJson(doctorArgs(['--check-timeout', '500ms']), env);
    assert.equal(run.code, 7, run.stdout);
    assert.equal(report.errorCode, 'REGION_UNRESOLVED');
    assert.equal(report.firstFailure, 'region');
    assert.equal(rows.region.status, 'fail');
    assert.match(rows.region.fix, /hop limit/);
    assert.equal(rows.imds.status, 'fail');
    assert.match(rows.imds.finding, /took the token request but never answered/);
    assert.match(rows.imds.fix, /--http-put-response-hop-limit 2/);
    assert.equal(rows.endpoint.status, 'pass', 'the overridden endpoint is still probed');
    assert.ok(run.durationMs < 5_000, `bounded: ${run.durationMs}ms`);
  } finally {
    await imds.close();
  }
});

test('IMDS hop-limit symptom when the region comes from elsewhere: a warning, not a failure', async () => {
  const imds = await startImds({ behaviour: 'token-hangs' });
  try {
    const env = baseEnv({ AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    const { run, rows } = await doctorJson(doctorArgs(['--check-timeout', '500ms']), env);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(rows.imds.status, 'warn');
    assert.match(rows.imds.fix, /hop limit/);
  } finally {
    await imds.close();
  }
});

test('EKS Pod Identity variables: the credentials row fails with the IRSA advice, exit 8', async () => {
  const env = baseEnv({
    AWS_REGION: 'us-east-1',
    KUBERNETES_SERVICE_HOST: '10.100.0.1',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
  });
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  const { run, report, rows } = await doctorJson(doctorArgs(), env);
  assert.equal(run.code, 8, run.stdout);
  assert.equal(report.firstFailure, 'credentials');
  assert.equal(rows.platform.status, 'pass');
  assert.match(rows.platform.finding, /EKS/);
  assert.equal(rows.credentials.status, 'fail');
  assert.match(rows.credentials.finding, /Pod Identity/);
  assert.match(rows.credentials.fix, /IRSA/);
  assert.match(rows.credentials.fix, /eks\.amazonaws\.com\/role-arn/);
});

test('access denied by IAM (with --call): the call row gives the IAM policy, exit 8', async () => {
  await emulator.setScenario('access-denied');
  try {
    const { run, report, rows } = await doctorJson(doctorArgs(['--call']));
    assert.equal(run.code, 8, run.stdout);
    assert.equal(report.firstFailure, 'call');
    assert.equal(rows.call.errorCode, 'ACCESS_DENIED');
    assert.match(rows.call.finding, /AccessDeniedException/);
    assert.match(rows.call.fix, /"Action":"aws-marketplace:RegisterUsage"/);
    assert.equal((await emulator.requests()).length, 1, 'exactly one call, no retries');
  } finally {
    await emulator.setScenario('entitled');
  }
});

test('unreachable endpoint: the endpoint row fails, exit 6', async () => {
  const { run, report, rows } = await doctorJson(doctorArgs([], { endpoint: 'http://127.0.0.1:1' }));
  assert.equal(run.code, 6, run.stdout);
  assert.equal(report.firstFailure, 'endpoint');
  assert.match(rows.endpoint.finding, /TCP connect to 127\.0\.0\.1:1 failed \(.*ECONNREFUSED/);
  assert.match(rows.endpoint.fix, /egress/);
});

test('a bad key (1024-bit): the public-key row fails, every other row is still reported, exit 2', async () => {
  const dir = tempDir();
  const weak = join(dir, 'weak.pem');
  writeFileSync(weak, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
  const args = doctorArgs().map((arg) => (arg === emulator.keyPath ? weak : arg));
  const { run, report, rows } = await doctorJson(args);
  assert.equal(run.code, 2, run.stdout);
  assert.equal(report.firstFailure, 'public-key');
  assert.equal(rows['public-key'].errorCode, 'CONFIG_INVALID');
  assert.match(rows['public-key'].finding, /1024 bits/);
  assert.deepEqual(report.checks.map((row) => row.id), ROW_IDS);
  assert.equal(rows.endpoint.status, 'pass');
});

test('an unwritable output dir: the output-dir row fails, exit 10', async () => {
  const dir = tempDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const { run, report, rows } = await doctorJson(doctorArgs([], { outputDir: join(file, 'out') }));
  assert.equal(run.code, 10, run.stdout);
  assert.equal(report.firstFailure, 'output-dir');
  assert.match(rows['output-dir'].finding, /not a directory/);
  assert.match(rows['output-dir'].fix, /writable volume/);
});

test('missing product code and bad durations are rows, not an early exit', async () => {
  const args = doctorArgs(['--deadline', 'soon']).filter((arg, index, all) => arg !== '--product-code' && all[index - 1] !== '--product-code');
  const { run, rows } = await doctorJson(args);
  assert.equal(run.code, 2, run.stdout);
  assert.equal(rows['product-code'].status, 'fail');
  assert.equal(rows.options.status, 'fail');
  assert.match(rows.options.finding, /invalid --deadline "soon"/);
});

test('untrusted product code: exit 2 with PRODUCT_CODE_UNTRUSTED', async () => {
  const { run, rows } = await doctorJson(doctorArgs(['--trusted-product-codes', 'paid-a,paid-b']));
  assert.equal(run.code, 2);
  assert.equal(rows['product-code'].errorCode, 'PRODUCT_CODE_UNTRUSTED');
});

test('off ECS/EKS with the real endpoint: the platform row fails with PlatformNotSupported advice, exit 4', async () => {
  const args = doctorArgs().filter((arg, index, all) => arg !== '--endpoint-url' && all[index - 1] !== '--endpoint-url');
  const { run, rows } = await doctorJson([...args, '--check-timeout', '300ms']);
  assert.equal(run.code, 4, run.stdout);
  assert.match(rows.platform.finding, /PlatformNotSupportedException/);
  assert.match(rows.platform.fix, /emulator/);
});

test('a bad --output value is a one-line usage error, exit 2', async () => {
  const run = await runGate(doctorArgs(['--output', 'yaml']), { env: baseEnv() });
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.match(run.stderr, /invalid --output "yaml": must be table or json/);
});
