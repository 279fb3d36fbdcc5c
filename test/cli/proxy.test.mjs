// The gate behind an egress proxy, as in a private subnet whose only way out is a CONNECT proxy:
// the emulator's --proxy-port proxy alone reaches the real AWS host names (it tunnels them to
// the emulator over TLS), so a gate that ignored HTTPS_PROXY could not register at all. The
// ECS task metadata and credentials stay direct; the proxy's password is in no output.
// `make test-cli-snapshot` runs this file again against the startup snapshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { startEcsTaskWithCredentials } from '../helpers/fake-metadata.mjs';

const PASSWORD = 'pr0xy-S3cret-word';
let emulator;
before(async () => {
  const dir = tempDir('gate-proxy-');
  emulator = await startEmulator({ extraArgs: ['--tls', '--ca-out', join(dir, 'ca.pem'), '--proxy-port', '0', '--proxy-credentials', `gate:${PASSWORD}`] });
});
after(async () => {
  await emulator?.stop();
});

const proxyWith = (userinfo) => emulator.proxyUrl.replace('http://', `http://${userinfo}@`);

/** No --endpoint-url: the gate calls metering.marketplace.<region>.amazonaws.com, as in production. */
async function register({ env = {}, args = [] } = {}) {
  await emulator.clearRequests();
  await fetchDelete();
  const out = tempDir();
  const termination = join(out, 'termination-log');
  const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', emulator.keyPath, '--output-dir', out, '--log-level', 'debug', ...args], {
    env: baseEnv({ AWS_REGION: 'us-east-1', AWS_CA_BUNDLE: emulator.caPath, METERING_GATE_TERMINATION_LOG: termination, ...env }),
    outputDir: out,
  });
  const everything = [run.stdout, run.stderr, run.envFile ?? '', existsSync(termination) ? readFileSync(termination, 'utf8') : ''].join('\n');
  return { ...run, everything, proxied: await emulator.proxyRequests(), served: await emulator.requests() };
}

async function fetchDelete() {
  // The proxy log is cleared with the request log's sibling endpoint.
  const { request } = await import('node:https');
  await new Promise((resolve, reject) => {
    const req = request(`${emulator.url}/_emulator/proxy-requests`, { method: 'DELETE', ca: readFileSync(emulator.caPath) }, (res) => res.resume().on('end', resolve));
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS_PROXY with credentials: the real Metering host name, reached only through the proxy', async () => {
  // DEBUG=* too: the proxy agents' debug logger would print the proxy URL, password included.
  const run = await register({ env: { HTTPS_PROXY: proxyWith(`gate:${PASSWORD}`), DEBUG: '*' } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.status, 'ENTITLED');
  assert.deepEqual(
    run.proxied.map(({ target, status, sentCredentials }) => ({ target, status, sentCredentials })),
    [{ target: 'metering.marketplace.us-east-1.amazonaws.com:443', status: 200, sentCredentials: true }],
  );
  assert.equal(run.served.length, 1, 'the one RegisterUsage arrived through the tunnel');
  assert.ok(!run.everything.includes(PASSWORD), 'the proxy password is in no output');
});

test('lower-case https_proxy is read too', async () => {
  const run = await register({ env: { https_proxy: proxyWith(`gate:${PASSWORD}`) } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.proxied.length, 1);
});

test('in an ECS task, metadata and credentials are fetched directly, only Metering goes through the proxy', async () => {
  const task = await startEcsTaskWithCredentials({
    taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/cluster/abc',
    credentials: { AccessKeyId: 'AKIDTASKROLE', SecretAccessKey: 'task-secret', Token: 'task-token' },
  });
  try {
    // No region or keys in the environment: both must come from the task's (loopback) endpoints. spawn() leaves out undefined values.
    const unset = { AWS_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined };
    const run = await register({ env: { HTTPS_PROXY: proxyWith(`gate:${PASSWORD}`), HTTP_PROXY: proxyWith(`gate:${PASSWORD}`), ...task.env, ...unset } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.regionSource, 'ecs-task-metadata');
    assert.equal(run.file.credentialSource, 'container');
    assert.ok(task.hits.includes('/creds') && task.hits.includes('/v4/abc-123/task'), `metadata asked directly: ${task.hits}`);
    assert.deepEqual(run.proxied.map((r) => r.target), ['metering.marketplace.us-east-1.amazonaws.com:443']);
    assert.equal(run.served[0].accessKeyId, 'AKIDTASKROLE');
  } finally {
    await task.close();
  }
});

test('a proxy that refuses the credentials (407): its own message and hint, exit 2, password masked', async () => {
  const run = await register({ env: { HTTPS_PROXY: proxyWith('gate:wrong-Passw0rd') }, args: ['--deadline', '30s', '--on-unavailable', 'allow'] });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'PROXY_REFUSED');
  assert.equal(run.file.attempts, 1);
  assert.equal(run.file.message, `the proxy ${proxyWith('gate:***')} from HTTPS_PROXY refused to connect to metering.marketplace.us-east-1.amazonaws.com: HTTP 407 Proxy Authentication Required`);
  assert.match(run.file.hint, /user and password in HTTPS_PROXY/);
  assert.ok(!run.everything.includes('wrong-Passw0rd'), 'the password is in no output');
  assert.equal(run.served.length, 0);
});

test('a proxy that refuses the destination (403) is reported as such', async () => {
  const run = await register({ env: { HTTPS_PROXY: proxyWith(`gate:${PASSWORD}`) }, args: ['--endpoint-url', 'https://metering.example.com'] });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'PROXY_REFUSED');
  assert.match(run.file.message, /refused to connect to metering\.example\.com: HTTP 403 Forbidden$/);
});

test('a certificate for another host, seen through the proxy, is a final TLS failure', async () => {
  // The emulator's certificate names us-east-1's hosts; eu-west-1's host gets the same certificate.
  const run = await register({ env: { HTTPS_PROXY: proxyWith(`gate:${PASSWORD}`), AWS_REGION: 'eu-west-1' }, args: ['--deadline', '30s'] });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'TLS_UNTRUSTED');
  assert.equal(run.file.attempts, 1);
  assert.match(run.file.message, /^TLS with metering\.marketplace\.eu-west-1\.amazonaws\.com \(through the proxy http:\/\/gate:\*\*\*@127\.0\.0\.1:\d+\) failed: the certificate is not for this host name/);
});

test('a malformed proxy URL is exit 2 before any request, without the password', async () => {
  const run = await register({ env: { HTTPS_PROXY: `ftp://gate:${PASSWORD}@proxy:21` } });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'CONFIG_INVALID');
  assert.match(run.file.message, /^invalid HTTPS_PROXY "ftp:\/\/gate:\*\*\*@proxy:21": the proxy scheme must be http:\/\/ or https:\/\//);
  assert.ok(!run.everything.includes(PASSWORD));
  assert.equal(run.proxied.length, 0);
});

const awsAvailable = await new Promise((resolve) => execFile('aws', ['--version'], (error) => resolve(!error)));

test('the AWS CLI, given the same HTTPS_PROXY and AWS_CA_BUNDLE, reaches the same emulator the same way', { skip: !awsAvailable && 'aws is not on PATH' }, async () => {
  await emulator.clearRequests();
  await fetchDelete();
  const env = {
    PATH: process.env.PATH,
    HOME: tempDir('gate-aws-home-'),
    AWS_ACCESS_KEY_ID: 'AKIDAWSCLITEST',
    AWS_SECRET_ACCESS_KEY: 'aws-cli-test-secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    // AWS CLI v1 reads only AWS_DEFAULT_REGION.
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CA_BUNDLE: emulator.caPath,
    HTTPS_PROXY: proxyWith(`gate:${PASSWORD}`),
  };
  const { code, stdout, stderr } = await new Promise((resolve) =>
    execFile('aws', ['meteringmarketplace', 'register-usage', '--product-code', 'prod-test-1', '--public-key-version', '1'], { env }, (error, out, err) => resolve({ code: error ? error.code : 0, stdout: out, stderr: err })),
  );
  assert.equal(code, 0, stderr);
  assert.equal(JSON.parse(stdout).Signature.split('.').length, 3);
  assert.deepEqual((await emulator.proxyRequests()).map((r) => r.target), ['metering.marketplace.us-east-1.amazonaws.com:443']);
});

test('IRSA behind the proxy: STS and Metering both by their real host names, through the tunnel, over TLS with the CA bundle', async () => {
  const { writeWebIdentityToken, IRSA_ROLE_ARN } = await import('../helpers/irsa.mjs');
  const dir = tempDir('gate-proxy-irsa-');
  const { path: tokenFile } = writeWebIdentityToken(dir);
  const irsa = await startEmulator({ extraArgs: ['--tls', '--ca-out', join(dir, 'ca.pem'), '--proxy-port', '0', '--web-identity-token-file', tokenFile] });
  try {
    const out = tempDir();
    const env = baseEnv({ AWS_REGION: 'us-east-1', AWS_ROLE_ARN: IRSA_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_CA_BUNDLE: irsa.caPath, HTTPS_PROXY: irsa.proxyUrl });
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    delete env.AWS_SESSION_TOKEN;
    const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', irsa.keyPath, '--output-dir', out], { env, outputDir: out });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.credentialSource, 'web-identity');
    assert.deepEqual((await irsa.proxyRequests()).map((r) => r.target), ['sts.us-east-1.amazonaws.com:443', 'metering.marketplace.us-east-1.amazonaws.com:443']);
    assert.deepEqual((await irsa.requests()).map((r) => r.target), ['STS.AssumeRoleWithWebIdentity', 'AWSMPMeteringService.RegisterUsage']);
  } finally {
    await irsa.stop();
  }
});
