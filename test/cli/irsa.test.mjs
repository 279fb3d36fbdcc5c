// IRSA end to end: the kubelet's token file -> STS AssumeRoleWithWebIdentity (the emulator's)
// -> RegisterUsage signed with the credentials STS issued, proven from the emulator's request
// log; then each way STS can fail, with its exit code, message and hint, and "IRSA not
// configured" told apart from "IRSA configured but STS refused or was unreachable".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { IRSA_AUD, IRSA_ISSUER, IRSA_ROLE_ARN, IRSA_SUB, writeWebIdentityToken } from '../helpers/irsa.mjs';

const tokenDir = tempDir('gate-irsa-token-');
const { path: TOKEN_FILE, token: TOKEN } = writeWebIdentityToken(tokenDir);
let emulator;

before(async () => {
  emulator = await startEmulator({ extraArgs: ['--web-identity-token-file', TOKEN_FILE] });
});
after(() => emulator?.stop());

/** A pod with IRSA: the webhook's two variables, no keys, no IMDS; STS is the emulator. */
function irsaEnv(extra = {}) {
  const env = baseEnv({ AWS_REGION: 'us-east-1', AWS_ROLE_ARN: IRSA_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN_FILE, AWS_ENDPOINT_URL_STS: emulator.url, ...extra });
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_SESSION_TOKEN;
  return env;
}

async function run({ sts = 'ok', env = irsaEnv(), extra = [] } = {}) {
  await emulator.setStsScenario(sts);
  await emulator.setScenario('entitled');
  const out = tempDir('gate-irsa-out-');
  const result = await runGate(gateArgs(emulator, out, extra), { env, outputDir: out });
  const terminationLog = readFileSync(env.METERING_GATE_TERMINATION_LOG, 'utf8');
  // The token is a bearer credential: nowhere in what the gate writes or prints.
  for (const [where, text] of [['stdout', result.stdout], ['stderr', result.stderr], ['result file', JSON.stringify(result.file)], ['termination log', terminationLog]]) {
    assert.ok(!text.includes(TOKEN.split('.')[1]), `the token appears in the ${where}`);
  }
  return { ...result, terminationLog, requests: await emulator.requests() };
}

describe('IRSA through STS', () => {
  test('token file -> STS -> RegisterUsage signed with the credentials STS issued', async () => {
    const { code, file, requests, stderr } = await run();
    assert.equal(code, 0, stderr);
    assert.equal(file.status, 'ENTITLED');
    assert.equal(file.credentialSource, 'web-identity');
    assert.equal(file.attempts, 1);
    assert.deepEqual(requests.map((r) => [r.target, r.status]), [['STS.AssumeRoleWithWebIdentity', 200], ['AWSMPMeteringService.RegisterUsage', 200]]);
    const [sts, registerUsage] = requests;
    assert.equal(sts.body.roleArn, IRSA_ROLE_ARN);
    assert.deepEqual([sts.body.tokenClaims.sub, sts.body.tokenClaims.aud], [IRSA_SUB, IRSA_AUD]);
    assert.match(registerUsage.accessKeyId, /^ASIA/);
    assert.equal(registerUsage.accessKeyId, sts.body.issuedAccessKeyId);
    assert.equal(registerUsage.stsIssued, true, 'the emulator checked the signature with the issued secret and session token');
    assert.equal(stderr.includes('NodeVersionSupportWarning'), false, 'no SDK warning on a run that works');
  });

  test('transient STS failures (503, IDPCommunicationError, throttling) are retried inside the deadline', async () => {
    for (const sts of ['outage:2', 'idp-communication-error:1', 'throttle:1']) {
      const { code, file, requests, stderr } = await run({ sts });
      assert.equal(code, 0, `${sts}: ${stderr}`);
      assert.equal(file.status, 'ENTITLED');
      const stsCalls = requests.filter((r) => r.service === 'sts');
      const failures = Number(sts.split(':')[1]);
      assert.deepEqual(stsCalls.map((r) => r.status === 200), [...Array(failures).fill(false), true], sts);
      assert.match(stderr, /STS AssumeRoleWithWebIdentity failed transiently; retrying/);
      assert.equal(requests.at(-1).stsIssued, true);
    }
  });

  test('STS unreachable: retried until the deadline, exit 6, told apart from "not configured"', async () => {
    const closed = await new Promise((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(`http://127.0.0.1:${port}`));
      });
    });
    const { code, file, requests } = await run({ env: irsaEnv({ AWS_ENDPOINT_URL_STS: closed }), extra: ['--deadline', '2500ms'] });
    assert.equal(code, 6);
    assert.equal(file.errorCode, 'SERVICE_UNAVAILABLE');
    assert.match(file.message, new RegExp(`^IRSA is configured \\(AWS_ROLE_ARN ${IRSA_ROLE_ARN}, token file .*\\), but STS \\(${closed}\\) did not issue credentials \\(AssumeRoleWithWebIdentity\\) before the deadline after [2-9] attempt\\(s\\); last failure: .*ECONNREFUSED`));
    assert.match(file.hint, /sts\.<region>\.amazonaws\.com:443/);
    assert.match(file.hint, /HTTPS_PROXY/);
    assert.deepEqual(requests, [], 'RegisterUsage was never called');
  });

  const refusals = [
    ['access-denied', /but STS refused AssumeRoleWithWebIdentity: AccessDenied \(HTTP 403\)/, [/trust policy of arn:aws:iam::123456789012:role\/metering-gate-irsa/, new RegExp(`oidc\\.eks\\.us-east-1\\.amazonaws\\.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub = "${IRSA_SUB}"`), new RegExp(`:aud = "${IRSA_AUD}"`)]],
    ['invalid-identity-token', /but STS refused AssumeRoleWithWebIdentity: InvalidIdentityTokenException \(HTTP 400\): No OpenIDConnect provider found/, [/register the cluster's OIDC provider/, new RegExp(`iss "${IRSA_ISSUER}"`), /aud "sts\.amazonaws\.com"/]],
    ['expired-token', /but STS refused AssumeRoleWithWebIdentity: ExpiredTokenException \(HTTP 400\)/, [/token has expired \(exp \d{4}-/, /projected token/]],
  ];
  for (const [sts, message, hints] of refusals) {
    test(`STS ${sts}: exit 8 ACCESS_DENIED at once, with its own hint`, async () => {
      const { code, file, requests, terminationLog } = await run({ sts });
      assert.equal(code, 8);
      assert.equal(file.errorCode, 'ACCESS_DENIED');
      assert.match(file.message, /^IRSA is configured \(AWS_ROLE_ARN /);
      assert.match(file.message, message);
      for (const hint of hints) assert.match(file.hint, hint);
      assert.match(terminationLog, /Fix: /);
      assert.deepEqual(requests.map((r) => r.service), ['sts'], 'one STS call, not retried; no RegisterUsage');
    });
  }

  test('IRSA not configured: exit 8 CREDENTIALS_UNAVAILABLE, saying so and how to configure it', async () => {
    const env = irsaEnv();
    delete env.AWS_ROLE_ARN;
    delete env.AWS_WEB_IDENTITY_TOKEN_FILE;
    const { code, file, requests } = await run({ env });
    assert.equal(code, 8);
    assert.equal(file.errorCode, 'CREDENTIALS_UNAVAILABLE');
    assert.match(file.message, /^no AWS credentials: IRSA is not configured \(no AWS_ROLE_ARN \/ AWS_WEB_IDENTITY_TOKEN_FILE\)/);
    assert.match(file.hint, /eks\.amazonaws\.com\/role-arn/);
    assert.deepEqual(requests, []);
  });

  test('the token file cannot be read: exit 8, naming the file and the error, without calling STS', async () => {
    const missing = join(tokenDir, 'no-such-token');
    const { code, file, requests } = await run({ env: irsaEnv({ AWS_WEB_IDENTITY_TOKEN_FILE: missing }) });
    assert.equal(code, 8);
    assert.equal(file.errorCode, 'CREDENTIALS_UNAVAILABLE');
    assert.match(file.message, new RegExp(`IRSA is configured .*token file ${missing}\\), but the token file cannot be read \\(ENOENT\\)`));
    assert.match(file.hint, /projected service account token volume/);
    assert.deepEqual(requests, []);
  });
});

// A wrong AWS_ENDPOINT_URL_STS: something answers, but not STS. Named as such (exit 2,
// ENDPOINT_NOT_STS, the status and content type, a hint naming AWS_ENDPOINT_URL_STS), never
// taken for STS refusing (exit 8), never retried, never a stack trace.
const NOT_STS = [
  { name: 'an HTML 404', status: 404, type: 'text/html', body: '<html><h1>Not Found</h1></html>', says: 'HTTP 404 text/html' },
  { name: 'a redirect', status: 302, type: 'text/html', body: '', headers: { location: 'https://login.example.com/' }, says: 'HTTP 302 text/html (a redirect to https://login.example.com/)' },
  { name: 'a JSON 200 (another AWS API)', status: 200, type: 'application/x-amz-json-1.1', body: '{}', says: 'HTTP 200 application/x-amz-json-1.1' },
  { name: 'text/xml that is not XML', status: 200, type: 'text/xml', body: 'ok', says: 'HTTP 200 text/xml that is not XML' },
  { name: 'an XML 403 without an AWS error code', status: 403, type: 'application/xml', body: '<?xml version="1.0"?><denied>by policy</denied>', says: 'HTTP 403 application/xml without an AWS error code' },
];

describe('AWS_ENDPOINT_URL_STS pointing at something that is not STS', () => {
  let current;
  let calls = 0;
  let server;
  let url;
  before(async () => {
    server = createHttpServer((req, res) => {
      calls += 1;
      req.resume();
      res.writeHead(current.status, { 'content-type': current.type, ...current.headers });
      res.end(current.body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  });

  for (const answer of NOT_STS) {
    test(`${answer.name}: exit 2 ENDPOINT_NOT_STS at once, naming the answer and AWS_ENDPOINT_URL_STS`, async () => {
      current = answer;
      calls = 0;
      const { code, file, requests, stderr, terminationLog } = await run({ env: irsaEnv({ AWS_ENDPOINT_URL_STS: url }) });
      assert.equal(code, 2, stderr);
      assert.equal(file.errorCode, 'ENDPOINT_NOT_STS');
      assert.equal(file.exitCode, 2);
      assert.match(file.message, /^IRSA is configured \(AWS_ROLE_ARN /);
      assert.ok(file.message.endsWith(`but the STS call failed: the endpoint ${url} answered ${answer.says}; it is not AWS STS`), file.message);
      assert.match(file.hint, /AWS_ENDPOINT_URL_STS/);
      assert.match(terminationLog, /AWS_ENDPOINT_URL_STS/);
      assert.equal(calls, 1, 'one call: a wrong endpoint is not retried');
      assert.deepEqual(requests, [], 'RegisterUsage was never called');
      assert.doesNotMatch(`${stderr}${JSON.stringify(file)}${terminationLog}`, /\n\s+at |\\n\s+at /, 'no stack trace');
    });
  }
});

describe('IRSA over HTTPS through an egress proxy', () => {
  let tlsEmulator;
  before(async () => {
    const dir = tempDir('gate-irsa-tls-');
    tlsEmulator = await startEmulator({ extraArgs: ['--web-identity-token-file', TOKEN_FILE, '--tls', '--ca-out', join(dir, 'ca.pem'), '--proxy-port', '0'] });
  });
  after(() => tlsEmulator?.stop());

  test('no endpoint overrides: STS is the regional sts.<region>.amazonaws.com the SDK picks, reached through HTTPS_PROXY with AWS_CA_BUNDLE, like Metering', async () => {
    const out = tempDir('gate-irsa-out-');
    const env = irsaEnv({ HTTPS_PROXY: tlsEmulator.proxyUrl, AWS_CA_BUNDLE: tlsEmulator.caPath, AWS_REGION: 'us-east-1' });
    delete env.AWS_ENDPOINT_URL_STS;
    const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', tlsEmulator.keyPath, '--output-dir', out], { env, outputDir: out });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.credentialSource, 'web-identity');
    assert.deepEqual((await tlsEmulator.proxyRequests()).map((r) => [r.target, r.status]), [
      ['sts.us-east-1.amazonaws.com:443', 200],
      ['metering.marketplace.us-east-1.amazonaws.com:443', 200],
    ]);
    const [sts, registerUsage] = await tlsEmulator.requests();
    assert.equal(sts.service, 'sts');
    assert.equal(registerUsage.accessKeyId, sts.body.issuedAccessKeyId);
    assert.equal(registerUsage.stsIssued, true);
  });

  test('without the CA bundle, STS over TLS fails at once with the TLS code and the CA fix, not a retry until the deadline', async () => {
    const out = tempDir('gate-irsa-out-');
    const env = irsaEnv({ HTTPS_PROXY: tlsEmulator.proxyUrl, AWS_REGION: 'us-east-1' });
    delete env.AWS_ENDPOINT_URL_STS;
    const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', tlsEmulator.keyPath, '--output-dir', out], { env, outputDir: out });
    assert.notEqual(run.code, 0);
    assert.equal(run.file.errorCode, 'TLS_UNTRUSTED');
    assert.match(run.file.message, /^IRSA is configured .*, but the STS call failed: TLS with sts\.us-east-1\.amazonaws\.com \(through the proxy http:\/\/127\.0\.0\.1:\d+\) failed: the certificate is not signed by a trusted CA/);
    assert.match(run.file.hint, /AWS_CA_BUNDLE/);
    assert.ok(run.durationMs < 20_000, 'not retried until the deadline');
  });
});
