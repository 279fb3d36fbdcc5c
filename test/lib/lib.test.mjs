// The library, imported as a workload would: a forged, stale, edited or foreign result file
// never passes verifyEntitlement; a genuine one does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, constants } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulatorProcess } from '../../scripts/lib/emulator-process.mjs';
import { startEcsTaskWithCredentials } from '../helpers/fake-metadata.mjs';
import { IRSA_ROLE_ARN, writeWebIdentityToken } from '../helpers/irsa.mjs';
import { BUNDLE, baseEnv, gateArgs, runGate, startEmulator, tempDir, ROOT } from '../helpers/gate.mjs';

const lib = await import(join(ROOT, 'dist', 'lib.mjs'));
const { verifyEntitlement, register, MeteringGateError, EXIT_CODES } = lib;

let emulator;
let genuine; // { dir, file, result } of a real run against the emulator
before(async () => {
  emulator = await startEmulator({ taskRegion: 'us-east-1' });
  genuine = await registerWithGate('paid-product');
});
after(async () => {
  await emulator?.stop();
});

async function registerWithGate(productCode, extra = []) {
  const dir = tempDir();
  const args = gateArgs(emulator, dir, extra).map((arg) => (arg === 'prod-test-1' ? productCode : arg));
  const run = await runGate(args, { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: dir });
  assert.equal(run.code, 0, run.stderr);
  return { dir, file: join(dir, 'entitlement.json'), result: run.file };
}

function writeResult(result) {
  const dir = tempDir();
  const file = join(dir, 'entitlement.json');
  writeFileSync(file, JSON.stringify(result));
  return file;
}

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A PS256 JWT signed with a key of the forger's own: well-formed in every way but the key. */
function selfSigned(claims, privateKey) {
  const input = `${b64({ alg: 'PS256', typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return `${input}.${signature.toString('base64url')}`;
}

async function rejected(options, code) {
  await assert.rejects(verifyEntitlement(options), (error) => {
    assert.ok(error instanceof MeteringGateError, `a MeteringGateError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.exitCode, EXIT_CODES[code]);
    return true;
  });
}

test('a genuine result passes, with the key as a file path, a PEM string or a KeyObject', async () => {
  const pem = readFileSync(emulator.keyPath, 'utf8');
  for (const publicKey of [emulator.keyPath, pem, createPublicKey(pem)]) {
    const verified = await verifyEntitlement({ file: genuine.file, publicKey, productCode: 'paid-product' });
    assert.equal(verified.entitled, true);
    assert.equal(verified.productCode, 'paid-product');
    assert.equal(verified.nonce, genuine.result.nonce);
    assert.equal(verified.region, 'us-east-1');
    assert.ok(verified.issuedAt instanceof Date && Math.abs(verified.issuedAt.getTime() - Date.now()) < 60_000);
  }
  const viaDir = await verifyEntitlement({ outputDir: genuine.dir, publicKey: emulator.keyPath, productCode: 'paid-product' });
  assert.equal(viaDir.file, genuine.file);
});

test('a self-signed token (the forger\'s own key) is refused: TOKEN_INVALID, exit 5', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = { productCode: 'paid-product', publicKeyVersion: 1, nonce: 'forged-nonce', iat: Math.floor(Date.now() / 1000) };
  const file = writeResult({ ...genuine.result, nonce: 'forged-nonce', signature: selfSigned(claims, privateKey), claims });
  await rejected({ file, publicKey: emulator.keyPath, productCode: 'paid-product' }, 'TOKEN_INVALID');
});

test('a hand-written file with no token at all is refused', async () => {
  const file = writeResult({ ...genuine.result, signature: null, signatureVerified: true });
  await rejected({ file, publicKey: emulator.keyPath, productCode: 'paid-product' }, 'TOKEN_INVALID');
});

test('a stale iat (genuine token issued an hour ago) is refused under maxAge', async () => {
  await emulator.setScenario('iat-old');
  let old;
  try {
    old = await registerWithGate('paid-product', ['--max-token-age', '2h']);
  } finally {
    await emulator.setScenario('entitled');
  }
  assert.ok(Date.now() / 1000 - old.result.claims.iat > 3000, 'the token really is an hour old');
  // No pod or task identity here: the unbound limit (24h) applies, and maxAge narrows it.
  await rejected({ file: old.file, publicKey: emulator.keyPath, productCode: 'paid-product', maxAge: '15m', env: {} }, 'TOKEN_INVALID');
  const allowed = await verifyEntitlement({ file: old.file, publicKey: emulator.keyPath, productCode: 'paid-product', env: {} });
  assert.equal(allowed.entitled, true);
  assert.equal(allowed.binding, 'none');
});

test('edited claims are refused: in the file, and inside the token', async () => {
  const editedFile = writeResult({ ...genuine.result, productCode: 'other-product' });
  await rejected({ file: editedFile, publicKey: emulator.keyPath, productCode: 'other-product' }, 'TOKEN_INVALID');

  const [header, payload, signature] = genuine.result.signature.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const editedToken = `${header}.${b64({ ...claims, productCode: 'other-product' })}.${signature}`;
  const editedTokenFile = writeResult({ ...genuine.result, productCode: 'other-product', signature: editedToken });
  await rejected({ file: editedTokenFile, publicKey: emulator.keyPath, productCode: 'other-product' }, 'TOKEN_INVALID');

  const notEntitled = writeResult({ ...genuine.result, status: 'NOT_ENTITLED' });
  await rejected({ file: notEntitled, publicKey: emulator.keyPath, productCode: 'paid-product' }, 'CUSTOMER_NOT_ENTITLED');
});

test('another product\'s genuine token is refused when productCode is given', async () => {
  const free = await registerWithGate('free-product');
  await rejected({ file: free.file, publicKey: emulator.keyPath, productCode: 'paid-product' }, 'TOKEN_INVALID');
});

test('no file (the init container was removed): RESULT_MISSING, exit 11, after the wait', async () => {
  const started = Date.now();
  await rejected({ file: join(tempDir(), 'entitlement.json'), publicKey: emulator.keyPath, productCode: 'paid-product', wait: '300ms' }, 'RESULT_MISSING');
  assert.ok(Date.now() - started >= 280);
});

test('wait: a file that appears while waiting passes', async () => {
  const dir = tempDir();
  const file = join(dir, 'entitlement.json');
  setTimeout(() => writeFileSync(file, readFileSync(genuine.file)), 200);
  const verified = await verifyEntitlement({ file, publicKey: emulator.keyPath, productCode: 'paid-product', wait: '5s' });
  assert.equal(verified.entitled, true);
});

test('bad options are CONFIG_INVALID, not a crash', async () => {
  await rejected({ file: genuine.file, publicKey: '/nonexistent/key.pem' }, 'CONFIG_INVALID');
  await rejected({ file: genuine.file, publicKey: emulator.keyPath, maxAge: 'soon' }, 'CONFIG_INVALID');
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  await rejected({ file: genuine.file, publicKey: weak }, 'CONFIG_INVALID');
});

test('register(): entitled resolves; a refusal rejects with the CLI\'s code and the written result', async () => {
  const outputDir = join(tempDir(), 'out');
  // The keys come from `env` like every other fact: the SDK's providers are given them, not process.env.
  const env = { AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'AKIDLIBTEST', AWS_SECRET_ACCESS_KEY: 'lib-test-secret', AWS_SESSION_TOKEN: 'lib-test-session' };
  const ok = await register({ productCode: 'paid-product', publicKey: emulator.keyPath, endpointUrl: emulator.url, outputDir, env });
  assert.equal(ok.status, 'ENTITLED');
  assert.equal(ok.result.region, 'us-east-1');
  const verified = await verifyEntitlement({ outputDir, publicKey: emulator.keyPath, productCode: 'paid-product' });
  assert.equal(verified.nonce, ok.result.nonce);

  await emulator.setScenario('not-entitled');
  try {
    await assert.rejects(register({ productCode: 'paid-product', publicKey: readFileSync(emulator.keyPath, 'utf8'), endpointUrl: emulator.url, outputDir, env }), (error) => {
      assert.ok(error instanceof MeteringGateError);
      assert.equal(error.code, 'CUSTOMER_NOT_ENTITLED');
      assert.equal(error.exitCode, 3);
      assert.equal(error.result.status, 'NOT_ENTITLED');
      return true;
    });
  } finally {
    await emulator.setScenario('entitled');
  }
  await assert.rejects(register({ productCode: 'bad code', env }), (error) => error.code === 'CONFIG_INVALID' && error.exitCode === 2);
});

test('register() with no env reads process.env: the task\'s container credentials and AWS_REGION, as the SDK would', async () => {
  // Its own emulator checks the SigV4 signature with the task role's secret, so an entitled
  // answer proves the call was signed with exactly those credentials.
  const strict = await startEmulatorProcess({ bundle: BUNDLE, taskRegion: 'eu-west-1', secretAccessKey: 'task-role-secret' });
  const task = await startEcsTaskWithCredentials({
    taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/default/0123456789abcdef',
    credentials: { AccessKeyId: 'ASIALIBTASKROLE', SecretAccessKey: 'task-role-secret', Token: 'task-role-session' },
  });
  try {
    const outputDir = join(tempDir(), 'out');
    // A process of its own, so that this process's environment is the only one in play.
    const script = `import { register } from ${JSON.stringify(join(ROOT, 'dist', 'lib.mjs'))};
const { status, result } = await register({ productCode: 'paid-product', publicKey: ${JSON.stringify(strict.keyPath)}, endpointUrl: ${JSON.stringify(strict.url)}, outputDir: ${JSON.stringify(outputDir)} });
process.stdout.write(JSON.stringify({ status, result }));`;
    const home = tempDir('gate-home-');
    const env = isolatedEnv(home, {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: task.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: task.env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    });
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env, cwd: ROOT });
    const { status, result } = JSON.parse(stdout);
    assert.equal(status, 'ENTITLED', result.message);
    assert.equal(result.region, 'eu-west-1');
    assert.equal(result.regionSource, 'env');
    assert.equal(result.credentialSource, 'container');
    const requests = await strict.requests();
    assert.equal(requests.length, 1);
    assert.equal(requests[0].accessKeyId, 'ASIALIBTASKROLE');
    assert.ok(task.hits.includes('/creds'), 'the credential endpoint was asked');
  } finally {
    await task.close();
    await strict.stop();
  }
});

/** An environment with no shared files, no IMDS and a termination log of its own, plus `extra`. */
function isolatedEnv(home, extra) {
  return {
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    METERING_GATE_TERMINATION_LOG: join(home, 'termination-log'),
    ...extra,
  };
}

/**
 * Runs register() in a process of its own, so that `processEnv` is the only process
 * environment in play; `options` is the source text of register()'s options.
 */
async function registerInChild(processEnv, options) {
  const script = `import { register } from ${JSON.stringify(join(ROOT, 'dist', 'lib.mjs'))};
const { status, result } = await register(${options});
process.stdout.write(JSON.stringify({ status, result }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: processEnv, cwd: ROOT });
  return JSON.parse(stdout);
}

/** A process environment with nothing the gate could use but decoys: keys for another account, another region, no IMDS. */
function decoyProcessEnv(home) {
  return isolatedEnv(home, {
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: 'AKIDDECOYPROCESSENV',
    AWS_SECRET_ACCESS_KEY: 'decoy-secret',
    AWS_REGION: 'ap-northeast-1',
  });
}

test('register({ env }): ECS container credentials and AWS_REGION given only in env sign the call, not process.env\'s keys', async () => {
  const strict = await startEmulatorProcess({ bundle: BUNDLE, taskRegion: 'eu-west-1', secretAccessKey: 'task-role-secret' });
  const task = await startEcsTaskWithCredentials({
    taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/default/0123456789abcdef',
    credentials: { AccessKeyId: 'ASIALIBTASKROLE', SecretAccessKey: 'task-role-secret', Token: 'task-role-session' },
  });
  try {
    const home = tempDir('gate-home-');
    const env = isolatedEnv(home, {
      AWS_REGION: 'eu-west-1',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: task.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: task.env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    });
    const outputDir = join(home, 'out');
    const { status, result } = await registerInChild(
      decoyProcessEnv(home),
      `{ productCode: 'paid-product', publicKey: ${JSON.stringify(strict.keyPath)}, endpointUrl: ${JSON.stringify(strict.url)}, outputDir: ${JSON.stringify(outputDir)}, env: ${JSON.stringify(env)} }`,
    );
    assert.equal(status, 'ENTITLED', result.message);
    assert.equal(result.region, 'eu-west-1');
    assert.equal(result.credentialSource, 'container');
    const requests = await strict.requests();
    assert.equal(requests.length, 1);
    assert.equal(requests[0].accessKeyId, 'ASIALIBTASKROLE', 'signed with the task role from env, and the emulator checked the signature with its secret');
    assert.ok(task.hits.includes('/creds'), 'the credential endpoint named in env was asked');
  } finally {
    await task.close();
    await strict.stop();
  }
});

test('register({ env }): IRSA variables and AWS_ENDPOINT_URL_STS given only in env: STS, then RegisterUsage signed with what STS issued', async () => {
  const tokenDir = tempDir('gate-lib-irsa-');
  const { path: tokenFile } = writeWebIdentityToken(tokenDir);
  const irsa = await startEmulatorProcess({ bundle: BUNDLE, taskRegion: 'us-east-1', extraArgs: ['--web-identity-token-file', tokenFile] });
  try {
    const home = tempDir('gate-home-');
    const env = isolatedEnv(home, {
      AWS_REGION: 'us-east-1',
      AWS_ROLE_ARN: IRSA_ROLE_ARN,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ENDPOINT_URL_STS: irsa.url,
    });
    const outputDir = join(home, 'out');
    const { status, result } = await registerInChild(
      decoyProcessEnv(home),
      `{ productCode: 'paid-product', publicKey: ${JSON.stringify(irsa.keyPath)}, endpointUrl: ${JSON.stringify(irsa.url)}, outputDir: ${JSON.stringify(outputDir)}, env: ${JSON.stringify(env)} }`,
    );
    assert.equal(status, 'ENTITLED', result.message);
    assert.equal(result.region, 'us-east-1');
    assert.equal(result.credentialSource, 'web-identity');
    const requests = await irsa.requests();
    assert.deepEqual(requests.map((r) => [r.target, r.status]), [['STS.AssumeRoleWithWebIdentity', 200], ['AWSMPMeteringService.RegisterUsage', 200]]);
    const [sts, registerUsage] = requests;
    assert.equal(sts.body.roleArn, IRSA_ROLE_ARN);
    assert.equal(registerUsage.accessKeyId, sts.body.issuedAccessKeyId);
    assert.equal(registerUsage.stsIssued, true, 'the emulator checked the signature with the issued secret and session token');
  } finally {
    await irsa.stop();
  }
});

test('the declarations type-check a consumer that imports the package by name', async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'test', 'lib', 'consumer', 'tsconfig.json')], { cwd: ROOT });
});
