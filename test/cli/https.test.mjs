// The gate over HTTPS, as it runs for real: the emulator serves TLS with a CA of its own, which
// the gate trusts only through AWS_CA_BUNDLE (or --ca-bundle / METERING_GATE_CA_BUNDLE). The
// main exit codes again over HTTPS; certificate failures final after one attempt (never GRACE);
// answers that are not the Metering protocol; a CA bundle that cannot be used, refused before
// any request. `make test-cli-snapshot` runs this file again against the startup snapshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
let expired;
before(async () => {
  const dir = tempDir('gate-https-');
  [emulator, expired] = await Promise.all([
    startEmulator({ extraArgs: ['--tls', '--ca-out', join(dir, 'ca.pem')] }),
    startEmulator({ extraArgs: ['--tls-expired', '--ca-out', join(dir, 'expired-ca.pem')] }),
  ]);
});
after(async () => {
  await Promise.all([emulator?.stop(), expired?.stop()]);
});

async function register(target, { scenario = 'entitled', args = [], env = {} } = {}) {
  if (target.setScenario) await target.setScenario(scenario);
  const out = tempDir();
  const run = await runGate(gateArgs(target, out, args), { env: baseEnv({ AWS_REGION: 'us-east-1', ...env }), outputDir: out });
  return { ...run, out };
}

const withCa = () => ({ AWS_CA_BUNDLE: emulator.caPath });

const MAIN_CASES = [
  { scenario: 'entitled', code: 0, errorCode: null },
  { scenario: 'not-entitled', code: 3, errorCode: 'CUSTOMER_NOT_ENTITLED' },
  { scenario: 'bad-signature', code: 5, errorCode: 'TOKEN_INVALID' },
  { scenario: 'error-500', code: 6, errorCode: 'SERVICE_UNAVAILABLE', args: ['--deadline', '1500ms'] },
  { scenario: 'access-denied', code: 8, errorCode: 'ACCESS_DENIED' },
  { scenario: 'invalid-product-code', code: 9, errorCode: 'PRODUCT_REJECTED' },
];

for (const { scenario, code, errorCode, args = [] } of MAIN_CASES) {
  test(`over HTTPS with AWS_CA_BUNDLE: ${scenario} -> exit ${code}`, async () => {
    const run = await register(emulator, { scenario, args, env: withCa() });
    assert.equal(run.code, code, run.stderr);
    assert.equal(run.file.errorCode, errorCode);
    if (code === 0) assert.equal(run.file.signatureVerified, true);
    const requests = await emulator.requests();
    assert.ok(requests.length >= 1, 'the emulator answered over TLS');
  });
}

test('the bundle is also read from --ca-bundle and METERING_GATE_CA_BUNDLE', async () => {
  let run = await register(emulator, { args: ['--ca-bundle', emulator.caPath] });
  assert.equal(run.code, 0, run.stderr);
  run = await register(emulator, { env: { METERING_GATE_CA_BUNDLE: emulator.caPath } });
  assert.equal(run.code, 0, run.stderr);
});

test('NODE_EXTRA_CA_CERTS, read by Node itself, keeps working', async () => {
  const run = await register(emulator, { env: { NODE_EXTRA_CA_CERTS: emulator.caPath } });
  assert.equal(run.code, 0, run.stderr);
});

test('the bundle is added to the roots Node already has, not put in their place', async () => {
  // The emulator's CA comes only through NODE_EXTRA_CA_CERTS; the bundle holds an unrelated CA.
  const run = await register(emulator, { env: { NODE_EXTRA_CA_CERTS: emulator.caPath, AWS_CA_BUNDLE: expired.caPath } });
  assert.equal(run.code, 0, run.stderr);
});

test('an untrusted certificate is final after one attempt, names the host and the problem, and is never GRACE', async () => {
  const run = await register(emulator, { args: ['--on-unavailable', 'allow', '--deadline', '30s'] });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'TLS_UNTRUSTED');
  assert.equal(run.file.status, 'ERROR');
  assert.equal(run.file.attempts, 1);
  assert.ok(run.durationMs < 20_000, `ended at once, not at the 30 s deadline (${run.durationMs} ms)`);
  const host = new URL(emulator.url).host;
  assert.ok(run.file.message.includes(host), run.file.message);
  assert.match(run.file.message, /not signed by a trusted CA/);
  assert.match(run.file.hint, /AWS_CA_BUNDLE/);
  assert.match(run.file.hint, /HTTPS_PROXY/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('an expired certificate is final after one attempt and says so', async () => {
  // Not `expired` itself: its control calls would fail on the same certificate.
  const run = await register({ url: expired.url, keyPath: expired.keyPath }, { env: { AWS_CA_BUNDLE: expired.caPath }, args: ['--deadline', '30s'] });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.file.errorCode, 'TLS_UNTRUSTED');
  assert.equal(run.file.attempts, 1);
  assert.match(run.file.message, /expired \[CERT_HAS_EXPIRED\]/);
});

test('https:// to a server that does not speak TLS is a final TLS failure', async () => {
  const plain = createServer((req, res) => res.end());
  await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    const out = tempDir();
    const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', emulator.keyPath, '--endpoint-url', `https://127.0.0.1:${plain.address().port}`, '--output-dir', out, '--deadline', '30s'], {
      env: baseEnv({ AWS_REGION: 'us-east-1' }),
      outputDir: out,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.file.errorCode, 'TLS_UNTRUSTED');
    assert.match(run.file.message, /TLS handshake failed/);
  } finally {
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
  }
});

const NOT_METERING = [
  { name: 'an HTML 404', status: 404, type: 'text/html', body: '<html><h1>Not Found</h1></html>', says: 'HTTP 404 text/html' },
  { name: 'an HTML 200', status: 200, type: 'text/html; charset=utf-8', body: '<html>welcome</html>', says: 'HTTP 200 text/html' },
  { name: 'a redirect', status: 302, type: 'text/html', body: '', headers: { location: 'https://login.example.com/' }, says: 'HTTP 302 text/html (a redirect to https://login.example.com/)' },
  { name: 'a 407 without __type', status: 407, type: 'text/html', body: '<html>auth</html>', says: 'HTTP 407 text/html' },
  { name: 'a JSON 404 without __type', status: 404, type: 'application/json', body: '{"message":"no route"}', says: 'HTTP 404 application/json without an AWS error type' },
  { name: 'plain text', status: 200, type: 'text/plain', body: 'ok', says: 'HTTP 200 text/plain' },
];

test('answers that are not the Metering protocol are reported as such: exit 2, never 5, no stack trace', async () => {
  let current;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(current.status, { 'content-type': current.type, ...current.headers });
    res.end(current.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const answer of NOT_METERING) {
      current = answer;
      const out = tempDir();
      const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', emulator.keyPath, '--endpoint-url', url, '--output-dir', out], { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
      assert.equal(run.code, 2, `${answer.name}: ${run.stderr}`);
      assert.equal(run.file.errorCode, 'ENDPOINT_NOT_METERING', answer.name);
      assert.equal(run.file.message, `the endpoint ${url} answered ${answer.says}; it is not the AWS Marketplace Metering API`);
      assert.match(run.file.hint, /--endpoint-url/);
      assert.equal(run.file.attempts, 1);
      assert.doesNotMatch(`${run.stderr}${JSON.stringify(run.file)}`, /\n\s+at |\\n\s+at /, `${answer.name}: no stack trace`);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('an answer over the 1 MiB cap is refused early with its own message', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    // No content-length: the cap has to count the streamed bytes.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < 64 && res.write(chunk)) sent += 1;
      if (sent < 64) res.once('drain', pump);
      else res.end();
    };
    pump();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const out = tempDir();
    const run = await runGate(['--product-code', 'prod-test-1', '--public-key-file', emulator.keyPath, '--endpoint-url', `http://127.0.0.1:${server.address().port}`, '--output-dir', out], {
      env: baseEnv({ AWS_REGION: 'us-east-1' }),
      outputDir: out,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.file.errorCode, 'ENDPOINT_NOT_METERING');
    assert.match(run.file.message, /with a body over 1048576 bytes; refused without reading the rest/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a CA bundle that cannot be used is exit 2 before any request', async () => {
  const dir = tempDir();
  const notPem = join(dir, 'not-pem.txt');
  writeFileSync(notPem, 'hello\n');
  const broken = join(dir, 'broken.pem');
  writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const cases = [
    { env: { AWS_CA_BUNDLE: join(dir, 'missing.pem') }, message: /^invalid AWS_CA_BUNDLE ".*missing\.pem": cannot read the file \(ENOENT\)/ },
    { env: { METERING_GATE_CA_BUNDLE: notPem }, message: /^invalid METERING_GATE_CA_BUNDLE ".*not-pem\.txt": no certificate in the file/ },
    { args: ['--ca-bundle', broken], message: /^invalid --ca-bundle ".*broken\.pem": certificate 1 of 1 does not parse/ },
    { args: ['--ca-bundle', dir], message: /^invalid --ca-bundle .*: cannot read the file \(EISDIR\)/ },
  ];
  await emulator.clearRequests();
  for (const { env = {}, args = [], message } of cases) {
    const run = await register({ url: emulator.url, keyPath: emulator.keyPath }, { env, args });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.file.errorCode, 'CONFIG_INVALID');
    assert.match(run.file.message, message);
  }
  assert.deepEqual(await emulator.requests(), [], 'no request reached the endpoint');
});
