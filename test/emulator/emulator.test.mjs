// The emulator, tested over real HTTP with real clients (the JS SDK v3, the AWS CLI when
// installed, raw node:http). It is bundled on its own so these tests do not depend on
// the rest of the tree building.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { constants, createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as jose from 'jose';
import { MarketplaceMeteringClient, RegisterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { SignatureV4 } from '@smithy/signature-v4';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CREDS = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' };
const PRODUCT = 'cqcvf9f0ugw8rkbgmf1c9dxyz';
const NONCE = '2ead20e4-3e6d-42cd-8f56-24f02d1cc4e1';

let dir;
let mod; // the bundled emulator module
let emu; // shared emulator: header-only auth, no task region

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-test-'));
  await build({
    entryPoints: [join(ROOT, 'src/emulator/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'emulator.mjs'),
    logLevel: 'error',
  });
  mod = await import(join(dir, 'emulator.mjs'));
  emu = await mod.startEmulator({ keyOut: join(dir, 'keys', 'public.pem') });
});

after(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function client(url, { region = 'us-east-1', credentials = CREDS } = {}) {
  return new MarketplaceMeteringClient({ region, endpoint: url, credentials, maxAttempts: 1 });
}

const register = (c, input = {}) => c.send(new RegisterUsageCommand({ ProductCode: PRODUCT, PublicKeyVersion: 1, Nonce: NONCE, ...input }));

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

function use(scenario) {
  emu.setScenario(scenario);
  return fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
}

const decodePart = (token, i) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8'));

// SigV4 signing through the SDK's own signer, for requests the SDK client would not make.
class Sha256 {
  constructor(secret) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

async function signedPost(url, { service = 'aws-marketplace', region = 'us-east-1', target = 'AWSMPMeteringService.RegisterUsage', body, credentials = CREDS } = {}) {
  const u = new URL(url);
  const payload = body ?? JSON.stringify({ ProductCode: PRODUCT, PublicKeyVersion: 1, Nonce: NONCE });
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: payload,
  });
  return raw(url, { headers: signed.headers, body: payload });
}

function raw(url, { method = 'POST', path = '/', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('protocol with the JS SDK', () => {
  test('entitled: the Signature is a PS256 JWS that verifies under the emulator key', async () => {
    await use('entitled');
    const out = await register(client(emu.url));
    const key = await jose.importSPKI(emu.publicKeyPem, 'PS256');
    const { payload, protectedHeader } = await jose.compactVerify(out.Signature, key, { algorithms: ['PS256'] });
    assert.deepEqual(protectedHeader, { alg: 'PS256', typ: 'JWT' });
    const claims = JSON.parse(new TextDecoder().decode(payload));
    assert.equal(claims.productCode, PRODUCT);
    assert.equal(claims.publicKeyVersion, 1);
    assert.equal(claims.nonce, NONCE);
    assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60, 'iat is now, in seconds');
    assert.equal(out.PublicKeyRotationTimestamp, undefined);
    assert.equal(await readFile(emu.keyPath, 'utf8'), emu.publicKeyPem);
    assert.match(emu.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);

    const [rec] = emu.requests();
    assert.equal(rec.target, 'AWSMPMeteringService.RegisterUsage');
    assert.equal(rec.region, 'us-east-1');
    assert.equal(rec.service, 'aws-marketplace');
    assert.equal(rec.accessKeyId, CREDS.accessKeyId);
    assert.deepEqual(rec.body, { ProductCode: PRODUCT, PublicKeyVersion: 1, Nonce: NONCE });
    assert.equal(rec.status, 200);
    assert.equal(rec.scenario, 'entitled');
  });

  const errorScenarios = [
    ['not-entitled', 'CustomerNotEntitledException', 400],
    ['platform-not-supported', 'PlatformNotSupportedException', 400],
    ['invalid-product-code', 'InvalidProductCodeException', 400],
    ['invalid-public-key-version', 'InvalidPublicKeyVersionException', 400],
    ['disabled-api', 'DisabledApiException', 400],
    ['access-denied', 'AccessDeniedException', 400],
    ['throttle', 'ThrottlingException', 400],
    ['error-500', 'InternalServiceErrorException', 500],
  ];
  for (const [scenario, name, status] of errorScenarios) {
    test(`${scenario} → ${name} (${status})`, async () => {
      await use(scenario);
      const err = await rejection(register(client(emu.url)));
      assert.equal(err.name, name);
      assert.equal(err.$metadata.httpStatusCode, status);
      assert.equal(emu.requests()[0].errorType, name);
    });
  }

  test('access-denied reads like IAM', async () => {
    await use('access-denied');
    const err = await rejection(register(client(emu.url)));
    assert.match(err.message, /^User: arn:aws:sts::\d{12}:assumed-role\/.+ is not authorized to perform: aws-marketplace:RegisterUsage/);
  });

  test('error responses carry the awsJson shape and headers', async () => {
    await use('not-entitled');
    const res = await signedPost(emu.url);
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.match(res.headers['x-amzn-requestid'], /^[0-9a-f-]{36}$/);
    const body = JSON.parse(res.body);
    assert.equal(body.__type, 'CustomerNotEntitledException');
    assert.equal(typeof body.message, 'string');
  });

  test('throttle:2 answers two throttles, then a token', async () => {
    await use('throttle:2');
    const c = client(emu.url);
    assert.equal((await rejection(register(c))).name, 'ThrottlingException');
    assert.equal((await rejection(register(c))).name, 'ThrottlingException');
    assert.ok((await register(c)).Signature);
    assert.deepEqual(emu.requests().map((r) => r.status), [400, 400, 200]);
  });

  test('error-500:1 answers one 500, then a token; switching scenario resets the counter', async () => {
    await use('error-500:1');
    const c = client(emu.url);
    assert.equal((await rejection(register(c))).name, 'InternalServiceErrorException');
    assert.ok((await register(c)).Signature);
    emu.setScenario('error-500:1');
    assert.equal((await rejection(register(c))).name, 'InternalServiceErrorException');
  });

  test('rate-limit:2:2 admits a burst of two, then throttles', async () => {
    await use('rate-limit:2:2');
    const c = client(emu.url);
    const results = await Promise.allSettled([register(c), register(c), register(c)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    assert.equal(results.find((r) => r.status === 'rejected').reason.name, 'ThrottlingException');
  });

  test('key-rotation adds PublicKeyRotationTimestamp', async () => {
    await use('key-rotation');
    const out = await register(client(emu.url));
    assert.ok(out.PublicKeyRotationTimestamp instanceof Date);
    assert.ok(out.PublicKeyRotationTimestamp.getTime() < Date.now());
    assert.ok(out.Signature);
  });

  test('malformed-body: HTTP 200 whose body is not JSON', async () => {
    await use('malformed-body');
    const err = await rejection(register(client(emu.url)));
    assert.equal(err.$metadata.httpStatusCode, 200);
    const res = await signedPost(emu.url);
    assert.equal(res.status, 200);
    assert.throws(() => JSON.parse(res.body));
  });

  test('connection-reset: the client sees ECONNRESET', async () => {
    await use('connection-reset');
    const err = await rejection(signedPost(emu.url));
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(emu.requests()[0].status, 0);
  });

  test('the body is validated like the service', async () => {
    await use('entitled');
    const c = client(emu.url);
    for (const input of [{ ProductCode: 'bad code!' }, { ProductCode: 'x'.repeat(256) }, { PublicKeyVersion: 0 }, { Nonce: 'n'.repeat(256) }]) {
      const err = await rejection(register(c, input));
      assert.equal(err.name, 'ValidationException', JSON.stringify(input));
      assert.equal(err.$metadata.httpStatusCode, 400);
    }
    assert.equal((await rejection(register(c, { ProductCode: undefined }))).name, 'ValidationException');
    const res = await signedPost(emu.url, { body: '{"ProductCode":"x",' });
    assert.equal(JSON.parse(res.body).__type, 'SerializationException');
  });

  test('an unknown target is UnknownOperationException', async () => {
    await use('entitled');
    const res = await signedPost(emu.url, { target: 'AWSMPMeteringService.MeterUsage2' });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).__type, 'UnknownOperationException');
  });
});

describe('authentication', () => {
  test('no Authorization header → 403 MissingAuthenticationTokenException', async () => {
    const res = await raw(emu.url, { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.RegisterUsage' }, body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(JSON.parse(res.body).__type, 'MissingAuthenticationTokenException');
  });

  test('a malformed Authorization header → 403 IncompleteSignatureException', async () => {
    const res = await raw(emu.url, { headers: { authorization: 'AWS4-HMAC-SHA256 Signature=abc', 'x-amz-target': 'AWSMPMeteringService.RegisterUsage' }, body: '{}' });
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body);
    assert.equal(body.__type, 'IncompleteSignatureException');
    assert.match(body.message, /'Credential'/);
  });

  test('a credential scoped to another service → 403 InvalidSignatureException', async () => {
    await use('entitled');
    const res = await signedPost(emu.url, { service: 'execute-api' });
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body);
    assert.equal(body.__type, 'InvalidSignatureException');
    assert.match(body.message, /aws-marketplace/);
    assert.equal(emu.requests()[0].service, 'execute-api');
  });

  test('without secretAccessKey any well-formed signature is accepted', async () => {
    await use('entitled');
    const out = await register(client(emu.url, { credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'whatever' } }));
    assert.ok(out.Signature);
  });

  describe('with secretAccessKey and taskRegion', () => {
    let strict;
    before(async () => {
      strict = await mod.startEmulator({ secretAccessKey: CREDS.secretAccessKey, taskRegion: 'eu-west-1' });
    });
    after(() => strict.close());

    test('the right secret verifies', async () => {
      assert.ok((await register(client(strict.url, { region: 'eu-west-1' }))).Signature);
      assert.equal((await signedPost(strict.url, { region: 'eu-west-1' })).status, 200);
    });

    test('another secret → 403 InvalidSignatureException', async () => {
      const err = await rejection(register(client(strict.url, { region: 'eu-west-1', credentials: { ...CREDS, secretAccessKey: 'not-the-secret' } })));
      assert.equal(err.name, 'InvalidSignatureException');
      assert.equal(err.$metadata.httpStatusCode, 403);
    });

    test('a tampered body no longer matches its signature', async () => {
      const u = new URL(strict.url);
      const signer = new SignatureV4({ service: 'aws-marketplace', region: 'eu-west-1', credentials: CREDS, sha256: Sha256 });
      const signed = await signer.sign({
        method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/',
        headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.RegisterUsage' },
        body: '{"ProductCode":"a","PublicKeyVersion":1}',
      });
      const res = await raw(strict.url, { headers: signed.headers, body: '{"ProductCode":"b","PublicKeyVersion":1}' });
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).__type, 'InvalidSignatureException');
    });

    test('signed for another region → InvalidRegionException', async () => {
      const err = await rejection(register(client(strict.url, { region: 'us-east-1' })));
      assert.equal(err.name, 'InvalidRegionException');
      assert.equal(err.$metadata.httpStatusCode, 400);
    });
  });
});

describe('token variants', () => {
  const PEM = () => emu.publicKeyPem;
  async function token(scenario) {
    await use(scenario);
    return (await register(client(emu.url))).Signature;
  }
  const verifyPs256 = async (t) => jose.compactVerify(t, await jose.importSPKI(PEM(), 'PS256'), { algorithms: ['PS256'] });

  test('bad-signature and wrong-key fail PS256 verification; their claims are right', async () => {
    for (const s of ['bad-signature', 'wrong-key']) {
      const t = await token(s);
      assert.equal(decodePart(t, 0).alg, 'PS256');
      assert.equal(decodePart(t, 1).productCode, PRODUCT);
      await assert.rejects(verifyPs256(t), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }, s);
    }
  });

  test('claim defects are validly signed and carry only that defect', async () => {
    const cases = {
      'wrong-nonce': (c) => c.nonce !== NONCE && c.productCode === PRODUCT,
      'wrong-product-code': (c) => c.productCode !== PRODUCT && c.nonce === NONCE,
      'wrong-version': (c) => c.publicKeyVersion === 2,
      'version-string': (c) => c.publicKeyVersion === '1',
      'claims-pascal': (c) => c.ProductCode === PRODUCT && c.PublicKeyVersion === 1 && c.Nonce === NONCE && !('productCode' in c),
      'no-iat': (c) => !('iat' in c) && c.productCode === PRODUCT,
      'iat-old': (c) => Math.abs(Date.now() / 1000 - 3600 - c.iat) < 60,
      'iat-future': (c) => Math.abs(Date.now() / 1000 + 600 - c.iat) < 60,
    };
    for (const [s, check] of Object.entries(cases)) {
      const { payload } = await verifyPs256(await token(s));
      const claims = JSON.parse(new TextDecoder().decode(payload));
      assert.ok(check(claims), `${s}: ${JSON.stringify(claims)}`);
    }
  });

  test('alg-none is unsigned', async () => {
    const t = await token('alg-none');
    assert.equal(decodePart(t, 0).alg, 'none');
    assert.equal(t.split('.')[2], '');
    await assert.rejects(verifyPs256(t));
  });

  test('hs256 is an HMAC keyed with the PEM bytes (key confusion)', async () => {
    const t = await token('hs256');
    assert.equal(decodePart(t, 0).alg, 'HS256');
    const { payload } = await jose.compactVerify(t, new TextEncoder().encode(PEM()), { algorithms: ['HS256'] });
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).productCode, PRODUCT);
    await assert.rejects(verifyPs256(t));
  });

  test('rs256 is signed with the right key', async () => {
    const t = await token('rs256');
    await jose.compactVerify(t, await jose.importSPKI(PEM(), 'RS256'), { algorithms: ['RS256'] });
    await assert.rejects(verifyPs256(t));
  });

  test('crit names an unknown header that is present; the signature is otherwise good', async () => {
    const t = await token('crit');
    const header = decodePart(t, 0);
    assert.deepEqual(header.crit, ['x-unknown']);
    assert.ok('x-unknown' in header);
    await assert.rejects(verifyPs256(t), { code: 'ERR_JOSE_NOT_SUPPORTED' });
    await jose.compactVerify(t, await jose.importSPKI(PEM(), 'PS256'), { algorithms: ['PS256'], crit: { 'x-unknown': true } });
  });
});

describe('hang and shutdown', () => {
  test('hang never answers, and close() ends the open connection at once', async () => {
    const own = await mod.startEmulator({ scenario: 'hang', modulusLength: 2048 });
    const pending = signedPost(own.url);
    const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(r, 400, 'waiting'))]);
    assert.equal(outcome, 'waiting');
    assert.equal(own.requests().length, 1);
    assert.equal(own.requests()[0].status, 0);
    const t0 = Date.now();
    await own.close();
    assert.ok(Date.now() - t0 < 1000, 'close() did not wait for the hanging client');
    await assert.rejects(pending);
  });
});

describe('inspection endpoints and scenario parsing', () => {
  test('PUT /_emulator/scenario switches; unknown names are refused with the allowed list', async () => {
    const put = (scenario) => fetch(`${emu.url}/_emulator/scenario`, { method: 'PUT', body: JSON.stringify({ scenario }) });
    const ok = await put('not-entitled');
    assert.equal(ok.status, 200);
    assert.equal(emu.scenario, 'not-entitled');
    const bad = await put('nope');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /nope.*entitled, not-entitled/);
    assert.equal(emu.scenario, 'not-entitled');
  });

  test('GET and DELETE /_emulator/requests', async () => {
    await use('entitled');
    await register(client(emu.url));
    const list = await (await fetch(`${emu.url}/_emulator/requests`)).json();
    assert.equal(list.length, 1);
    assert.equal(list[0].status, 200);
    await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
    assert.deepEqual(await (await fetch(`${emu.url}/_emulator/requests`)).json(), []);
  });

  test('parseScenario', () => {
    assert.deepEqual(mod.parseScenario('throttle:3'), { spec: 'throttle:3', name: 'throttle', count: 3 });
    assert.deepEqual(mod.parseScenario('rate-limit:5'), { spec: 'rate-limit:5', name: 'rate-limit', rate: 5 });
    assert.deepEqual(mod.parseScenario('rate-limit:5:10'), { spec: 'rate-limit:5:10', name: 'rate-limit', rate: 5, burst: 10 });
    assert.throws(() => mod.parseScenario('bogus'), (e) => /bogus/.test(e.message) && /allowed: entitled,/.test(e.message) && !e.message.includes('\n'));
    for (const bad of ['throttle:x', 'throttle:-1', 'throttle:1:2', 'entitled:1', 'rate-limit', 'rate-limit:0', 'rate-limit:2:0.5']) {
      assert.throws(() => mod.parseScenario(bad), undefined, bad);
    }
    const names = mod.SCENARIOS.map((s) => s.name);
    for (const n of ['entitled', 'hang', 'wrong-key', 'key-rotation', 'rate-limit']) assert.ok(names.includes(n), n);
    assert.ok(mod.SCENARIOS.every((s) => s.description.length > 0));
  });

  test('modulusLength sets the key size, below 2048 too (as in AWS\'s 1024-bit sample key)', async () => {
    const small = await mod.startEmulator({ modulusLength: 1024 });
    try {
      assert.equal(createPublicKey(small.publicKeyPem).asymmetricKeyDetails.modulusLength, 1024);
      assert.equal(createPublicKey(emu.publicKeyPem).asymmetricKeyDetails.modulusLength, 2048);
      const t = (await register(client(small.url))).Signature;
      assert.ok(verify('sha256', Buffer.from(t.split('.').slice(0, 2).join('.')), { key: small.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(t.split('.')[2], 'base64url')));
    } finally {
      await small.close();
    }
  });

  test('startEmulator refuses an unknown scenario', async () => {
    await assert.rejects(mod.startEmulator({ scenario: 'nope' }), /allowed:/);
  });
});

describe('runEmulatorCommand', () => {
  test('prints one JSON line, serves, and exits cleanly on SIGTERM', async () => {
    const keyOut = join(dir, 'cmd', 'key.pem');
    const script = `import { runEmulatorCommand } from ${JSON.stringify(join(dir, 'emulator.mjs'))};
      await runEmulatorCommand({ scenario: 'throttle:1', taskRegion: 'us-west-2', keyOut: ${JSON.stringify(keyOut)} });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const line = await new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(line);
    assert.deepEqual(Object.keys(info), ['event', 'url', 'keyPath', 'scenario', 'taskRegion']);
    assert.equal(info.event, 'emulator-listening');
    assert.equal(info.keyPath, keyOut);
    assert.equal(info.scenario, 'throttle:1');
    assert.equal(info.taskRegion, 'us-west-2');
    assert.match(await readFile(keyOut, 'utf8'), /BEGIN PUBLIC KEY/);
    const err = await rejection(register(client(info.url, { region: 'us-west-2' })));
    assert.equal(err.name, 'ThrottlingException');

    const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, sig: null });
    assert.equal(out.trim().split('\n').length, 1, 'exactly one stdout line');
  });
});

const awsAvailable = await new Promise((resolve) => execFile('aws', ['--version'], (e) => resolve(!e)));

describe('AWS CLI', { skip: !awsAvailable && 'aws is not on PATH' }, () => {
  const env = () => ({
    ...process.env,
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
  });
  const cli = (url) =>
    new Promise((resolve) =>
      execFile('aws', ['meteringmarketplace', 'register-usage', '--product-code', 'X', '--public-key-version', '1', '--endpoint-url', url, '--region', 'us-east-1'], { env: env() }, (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }),
      ),
    );

  test('register-usage prints a Signature that verifies', async () => {
    await use('entitled');
    const { code, stdout } = await cli(emu.url);
    assert.equal(code, 0);
    const { Signature } = JSON.parse(stdout);
    const { payload } = await jose.compactVerify(Signature, await jose.importSPKI(emu.publicKeyPem, 'PS256'));
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).productCode, 'X');
  });

  test('not-entitled fails naming CustomerNotEntitledException', async () => {
    await use('not-entitled');
    const { code, stderr } = await cli(emu.url);
    assert.notEqual(code, 0);
    assert.match(stderr, /CustomerNotEntitledException/);
  });

  test("the CLI's own SigV4 signature verifies with the secret", async () => {
    const strict = await mod.startEmulator({ secretAccessKey: CREDS.secretAccessKey, taskRegion: 'us-east-1' });
    try {
      const { code, stdout } = await cli(strict.url);
      assert.equal(code, 0, stdout);
      assert.equal(strict.requests()[0].status, 200);
    } finally {
      await strict.close();
    }
  });
});
