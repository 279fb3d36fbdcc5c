// doctor's sts row: IRSA not configured, half configured, configured and accepted by STS,
// configured but refused, configured but unreachable: each its own finding, fix and exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { baseEnv, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { IRSA_ROLE_ARN, IRSA_SUB, writeWebIdentityToken } from '../helpers/irsa.mjs';

const { path: TOKEN_FILE } = writeWebIdentityToken(tempDir('gate-doctor-token-'));
let emulator;
before(async () => {
  emulator = await startEmulator({ extraArgs: ['--web-identity-token-file', TOKEN_FILE] });
});
after(() => emulator?.stop());

function env(extra = {}) {
  const e = baseEnv({ AWS_REGION: 'us-east-1', AWS_ROLE_ARN: IRSA_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN_FILE, AWS_ENDPOINT_URL_STS: emulator.url, ...extra });
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete e[key];
  for (const [key, value] of Object.entries(e)) if (value === undefined) delete e[key];
  return e;
}

async function doctor(environment, sts = 'ok', checkTimeout = '10s') {
  await emulator.setStsScenario(sts);
  const args = ['doctor', '--product-code', 'prod-doctor-1', '--public-key-file', emulator.keyPath, '--endpoint-url', emulator.url, '--output-dir', join(tempDir(), 'out'), '--output', 'json', '--check-timeout', checkTimeout];
  const run = await runGate(args, { env: environment });
  const report = JSON.parse(run.stdout);
  return { run, report, row: report.checks.find((r) => r.id === 'sts'), requests: await emulator.requests() };
}

test('IRSA accepted by STS: the sts row passes, naming the endpoint, role, sub and aud', async () => {
  const { run, row, requests } = await doctor(env());
  assert.equal(run.code, 0, run.stdout);
  assert.equal(row.status, 'pass');
  assert.match(row.finding, new RegExp(`^IRSA: STS at ${emulator.url} answered AssumeRoleWithWebIdentity for ${IRSA_ROLE_ARN} \\(token sub "${IRSA_SUB}", aud "sts.amazonaws.com"\\)`));
  assert.deepEqual(requests.map((r) => r.service), ['sts'], 'one STS call and no RegisterUsage');
});

test('IRSA refused by STS (AccessDenied): the sts row fails with exit 8 and the trust-policy fix', async () => {
  const { run, report, row } = await doctor(env(), 'access-denied');
  assert.equal(run.code, 8);
  assert.equal(report.firstFailure, 'sts');
  assert.equal(row.errorCode, 'ACCESS_DENIED');
  assert.match(row.finding, /^IRSA is configured .*but STS refused AssumeRoleWithWebIdentity: AccessDenied/);
  assert.match(row.fix, new RegExp(`:sub = "${IRSA_SUB}"`));
});

test('IRSA configured but STS unreachable: exit 6, with the network fix', async () => {
  const { run, row } = await doctor(env({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' }), 'ok', '2s');
  assert.equal(run.code, 6);
  assert.equal(row.errorCode, 'SERVICE_UNAVAILABLE');
  assert.match(row.finding, /but STS \(http:\/\/127\.0\.0\.1:9\) did not issue credentials/);
  assert.match(row.fix, /VPC endpoint \(com\.amazonaws\.<region>\.sts\)/);
});

test('AWS_ENDPOINT_URL_STS at something that is not STS: exit 2 ENDPOINT_NOT_STS, as register reports it', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const { run, report, row } = await doctor(env({ AWS_ENDPOINT_URL_STS: url }));
    assert.equal(run.code, 2, run.stdout);
    assert.equal(report.firstFailure, 'sts');
    assert.equal(row.errorCode, 'ENDPOINT_NOT_STS');
    assert.match(row.finding, new RegExp(`but the STS call failed: the endpoint ${url} answered HTTP 404 text/html; it is not AWS STS$`));
    assert.match(row.fix, /AWS_ENDPOINT_URL_STS/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('IRSA not configured: skipped, saying so; half configured: fails with exit 8', async () => {
  const none = env({ AWS_ACCESS_KEY_ID: 'AKIDDOCTOR', AWS_SECRET_ACCESS_KEY: 'doctor-secret', AWS_SESSION_TOKEN: 'doctor-session', AWS_ROLE_ARN: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined });
  const skipped = await doctor(none);
  assert.equal(skipped.row.status, 'skip');
  assert.match(skipped.row.finding, /^IRSA not configured/);
  const half = await doctor(env({ AWS_WEB_IDENTITY_TOKEN_FILE: undefined }));
  assert.equal(half.row.status, 'fail');
  assert.equal(half.row.errorCode, 'CREDENTIALS_UNAVAILABLE');
  assert.match(half.row.finding, /IRSA is half configured: AWS_ROLE_ARN is set but not AWS_WEB_IDENTITY_TOKEN_FILE/);
  assert.equal(half.run.code, 8);
});
