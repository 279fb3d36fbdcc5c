// The emulator's STS face, driven by the SDK's own web identity provider (the one the gate's
// credential chain uses) and by raw awsQuery POSTs: credentials it issues sign a RegisterUsage
// its SigV4 check accepts, and nothing else does once it was given a web identity token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { fromWebToken } from '@aws-sdk/credential-providers';
import { MarketplaceMeteringClient, RegisterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { IRSA_AUD, IRSA_ISSUER, IRSA_ROLE_ARN, IRSA_SUB, webIdentityToken } from '../helpers/irsa.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = webIdentityToken();
const awsAvailable = await new Promise((resolve) => execFile('aws', ['--version'], (e) => resolve(!e)));

let dir;
let mod;
let emu;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-sts-test-'));
  await build({ entryPoints: [join(ROOT, 'src/emulator/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'emulator.mjs'), logLevel: 'error' });
  mod = await import(join(dir, 'emulator.mjs'));
  emu = await mod.startEmulator({ webIdentityToken: TOKEN, modulusLength: 2048 });
});

after(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function assume(url, token = TOKEN, extra = {}) {
  return fromWebToken({ roleArn: IRSA_ROLE_ARN, roleSessionName: 'gate-test', webIdentityToken: token, clientConfig: { region: 'us-east-1', endpoint: url, maxAttempts: 1 }, ...extra })();
}

function register(url, credentials) {
  const client = new MarketplaceMeteringClient({ region: 'us-east-1', endpoint: url, credentials, maxAttempts: 1 });
  return client.send(new RegisterUsageCommand({ ProductCode: 'prod-sts-1', PublicKeyVersion: 1 })).finally(() => client.destroy());
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

function use(stsScenario) {
  emu.setStsScenario(stsScenario);
  emu.setScenario('entitled');
  return fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
}

const post = (url, form) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: new URLSearchParams(form).toString() });
const FORM = { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: IRSA_ROLE_ARN, RoleSessionName: 'raw-test', WebIdentityToken: TOKEN };

describe('AssumeRoleWithWebIdentity with the SDK provider', () => {
  test('issues temporary credentials that sign a RegisterUsage the emulator accepts; the log names them, never the token', async () => {
    await use('ok');
    const credentials = await assume(emu.url);
    assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(credentials.sessionToken.length > 100);
    assert.ok(credentials.expiration.getTime() > Date.now() + 3_000_000, 'an hour, as STS gives by default');
    assert.equal(credentials.accountId, '123456789012');
    assert.ok((await register(emu.url, credentials)).Signature);

    const [stsCall, registerCall] = emu.requests();
    assert.equal(stsCall.target, 'STS.AssumeRoleWithWebIdentity');
    assert.equal(stsCall.service, 'sts');
    assert.equal(stsCall.status, 200);
    assert.deepEqual(stsCall.body.tokenClaims, { iss: IRSA_ISSUER, sub: IRSA_SUB, aud: IRSA_AUD, exp: JSON.parse(Buffer.from(TOKEN.split('.')[1], 'base64url')).exp });
    assert.equal(stsCall.body.roleArn, IRSA_ROLE_ARN);
    assert.equal(stsCall.body.issuedAccessKeyId, credentials.accessKeyId);
    assert.equal(registerCall.accessKeyId, credentials.accessKeyId);
    assert.equal(registerCall.stsIssued, true);
    assert.equal(registerCall.status, 200);
    const logged = JSON.stringify(emu.requests());
    for (const secret of [TOKEN, TOKEN.split('.')[2], credentials.secretAccessKey, credentials.sessionToken]) assert.ok(!logged.includes(secret), 'no token or secret in the request log');
  });

  test('in IRSA mode, credentials STS did not issue are refused; so is an issued key with another session token', async () => {
    await use('ok');
    const other = await rejection(register(emu.url, { accessKeyId: 'AKIDNOTFROMSTS', secretAccessKey: 'x' }));
    assert.equal(other.name, 'UnrecognizedClientException');
    const credentials = await assume(emu.url);
    const tampered = await rejection(register(emu.url, { ...credentials, sessionToken: `${credentials.sessionToken.slice(0, -4)}AAAA` }));
    assert.equal(tampered.name, 'UnrecognizedClientException');
    const wrongSecret = await rejection(register(emu.url, { ...credentials, secretAccessKey: 'not-the-issued-secret' }));
    assert.equal(wrongSecret.name, 'InvalidSignatureException');
  });

  test('a token other than the one the emulator was given → InvalidIdentityToken', async () => {
    await use('ok');
    const error = await rejection(assume(emu.url, webIdentityToken()));
    // The wire code is InvalidIdentityToken; the SDK's model names the exception with a suffix.
    assert.equal(error.name, 'InvalidIdentityTokenException');
    assert.equal(error.$metadata.httpStatusCode, 400);
  });

  test('an expired token → ExpiredTokenException', async () => {
    const expired = webIdentityToken({ expiresInSeconds: -60 });
    const own = await mod.startEmulator({ webIdentityToken: expired });
    try {
      const error = await rejection(assume(own.url, expired));
      assert.equal(error.name, 'ExpiredTokenException');
      assert.match(error.message, /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);
    } finally {
      await own.close();
    }
  });

  // [scenario, the SDK's exception name, the wire code, HTTP status, message]
  for (const [scenario, name, code, status, message] of [
    ['invalid-identity-token', 'InvalidIdentityTokenException', 'InvalidIdentityToken', 400, `No OpenIDConnect provider found in your account for ${IRSA_ISSUER}`],
    ['access-denied', 'AccessDenied', 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    ['expired-token', 'ExpiredTokenException', 'ExpiredTokenException', 400, null],
    ['throttle', 'Throttling', 'Throttling', 400, 'Rate exceeded'],
    ['idp-communication-error', 'IDPCommunicationErrorException', 'IDPCommunicationError', 400, null],
    ['outage', 'ServiceUnavailable', 'ServiceUnavailable', 503, null],
  ]) {
    test(`scenario ${scenario} → ${code} (HTTP ${status})`, async () => {
      await use(scenario);
      const error = await rejection(assume(emu.url));
      assert.equal(error.name, name);
      assert.equal(error.$metadata.httpStatusCode, status);
      if (message) assert.equal(error.message, message);
      assert.equal(emu.requests()[0].errorType, code);
    });
  }

  test('throttle:1 and outage:2 answer that many errors, then credentials', async () => {
    await use('throttle:1');
    assert.equal((await rejection(assume(emu.url))).name, 'Throttling');
    assert.ok((await assume(emu.url)).accessKeyId);
    await use('outage:2');
    assert.equal((await rejection(assume(emu.url))).name, 'ServiceUnavailable');
    assert.equal((await rejection(assume(emu.url))).name, 'ServiceUnavailable');
    assert.ok((await assume(emu.url)).accessKeyId);
    assert.deepEqual(emu.requests().map((r) => r.status), [503, 503, 200]);
  });
});

describe('the wire format', () => {
  test('the answer is STS XML: namespace, result, credentials and request id', async () => {
    await use('ok');
    const response = await post(emu.url, FORM);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/xml/);
    const xml = await response.text();
    assert.match(xml, /^<AssumeRoleWithWebIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    assert.match(xml, new RegExp(`<SubjectFromWebIdentityToken>${IRSA_SUB}</SubjectFromWebIdentityToken>`));
    assert.match(xml, /<AssumedRoleUser>\s*<AssumedRoleId>AROA[A-Z2-7]{17}:raw-test<\/AssumedRoleId>\s*<Arn>arn:aws:sts::123456789012:assumed-role\/metering-gate-irsa\/raw-test<\/Arn>/);
    assert.match(xml, /<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
    assert.match(xml, /<Provider>arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/EXAMPLED539D4633E53DE1B71EXAMPLE<\/Provider>/);
    assert.match(xml, /<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ResponseMetadata>/);
  });

  test('errors are an ErrorResponse with Type, Code and Message', async () => {
    await use('access-denied');
    const response = await post(emu.url, FORM);
    assert.equal(response.status, 403);
    const xml = await response.text();
    assert.match(xml, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>AccessDenied<\/Code>\s*<Message>Not authorized/);
  });

  test('parameters are checked as STS checks them', async () => {
    await use('ok');
    const cases = [
      [{ ...FORM, Action: 'GetCallerIdentity' }, 'InvalidAction'],
      [{ ...FORM, RoleArn: '' }, 'MissingParameter'],
      [{ ...FORM, RoleArn: 'not-an-arn' }, 'ValidationError'],
      [{ ...FORM, RoleSessionName: 'has space' }, 'ValidationError'],
      [{ ...FORM, DurationSeconds: '60' }, 'ValidationError'],
      [{ ...FORM, WebIdentityToken: 'opaque-access-token' }, 'InvalidIdentityToken'],
    ];
    for (const [form, code] of cases) {
      const response = await post(emu.url, form);
      assert.equal(response.status, 400, code);
      assert.match(await response.text(), new RegExp(`<Code>${code}</Code>`));
    }
  });

  test('STS scenarios parse like the others and are switched through the control endpoint', async () => {
    assert.throws(() => mod.parseStsScenario('nope'), /allowed: ok, invalid-identity-token/);
    assert.throws(() => mod.parseStsScenario('access-denied:2'), /takes no parameters/);
    assert.throws(() => mod.parseStsScenario('throttle:x'), /takes :N/);
    const bad = await fetch(`${emu.url}/_emulator/scenario`, { method: 'PUT', body: JSON.stringify({ scenario: 'entitled', stsScenario: 'nope' }) });
    assert.equal(bad.status, 400);
    const good = await fetch(`${emu.url}/_emulator/scenario`, { method: 'PUT', body: JSON.stringify({ stsScenario: 'throttle:3' }) });
    assert.deepEqual(await good.json(), { scenario: 'entitled', stsScenario: 'throttle:3' });
    assert.equal(emu.stsScenario, 'throttle:3');
  });
});

describe('AWS CLI', { skip: !awsAvailable && 'aws is not on PATH' }, () => {
  test('aws sts assume-role-with-web-identity gets credentials', async () => {
    await use('ok');
    const env = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' };
    const args = ['sts', 'assume-role-with-web-identity', '--role-arn', IRSA_ROLE_ARN, '--role-session-name', 'cli', '--web-identity-token', TOKEN, '--endpoint-url', emu.url, '--region', 'us-east-1'];
    const { code, stdout, stderr } = await new Promise((resolve) => execFile('aws', args, { env }, (error, out, err) => resolve({ code: error ? error.code : 0, stdout: out, stderr: err })));
    assert.equal(code, 0, stderr);
    assert.match(JSON.parse(stdout).Credentials.AccessKeyId, /^ASIA/);
  });
});
