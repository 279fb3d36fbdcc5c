// doctor's proxy and ca-bundle rows, and its endpoint and call rows behind a proxy with a
// private CA: the emulator over TLS, reachable at the real host names only through its proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { baseEnv, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator({ extraArgs: ['--tls', '--ca-out', join(tempDir('gate-doctor-net-'), 'ca.pem'), '--proxy-port', '0', '--proxy-credentials', 'gate:doctor-secret'] });
});
after(async () => {
  await emulator?.stop();
});

async function doctor(env, extra = []) {
  const run = await runGate(['doctor', '--product-code', 'prod-doctor-1', '--public-key-file', emulator.keyPath, '--output-dir', join(tempDir(), 'out'), '--output', 'json', ...extra], {
    env: baseEnv({ AWS_REGION: 'us-east-1', ...env }),
  });
  const report = JSON.parse(run.stdout);
  return { run, rows: Object.fromEntries(report.checks.map((row) => [row.id, row])) };
}

test('behind the proxy with the CA bundle: proxy and ca-bundle rows pass, one real call goes through', async () => {
  const { run, rows } = await doctor({ HTTPS_PROXY: emulator.proxyUrl.replace('http://', 'http://gate:doctor-secret@'), AWS_CA_BUNDLE: emulator.caPath, NO_PROXY: 'internal.example,10.0.0.0/8' }, ['--call']);
  assert.equal(rows.proxy.status, 'pass', rows.proxy.finding);
  assert.match(rows.proxy.finding, /^https:\/\/metering\.marketplace\.us-east-1\.amazonaws\.com goes through the proxy http:\/\/gate:\*\*\*@127\.0\.0\.1:\d+ \(HTTPS_PROXY\), which accepts connections; NO_PROXY has 2 entries/);
  assert.equal(rows['ca-bundle'].status, 'pass');
  assert.match(rows['ca-bundle'].finding, /^1 certificate from .*ca\.pem \(AWS_CA_BUNDLE\), added to Node's roots/);
  assert.equal(rows.endpoint.status, 'skip');
  assert.equal(rows.call.status, 'pass', `${rows.call.finding} ${rows.call.fix}`);
  assert.ok(!run.stdout.includes('doctor-secret') && !run.stderr.includes('doctor-secret'), 'the proxy password is not printed');
});

test('a proxy that cannot be reached, and a bundle that is not PEM, each fail their own row', async () => {
  const { rows } = await doctor({ HTTPS_PROXY: 'http://127.0.0.1:9', METERING_GATE_CA_BUNDLE: emulator.keyPath });
  assert.equal(rows.proxy.status, 'fail');
  assert.equal(rows.proxy.errorCode, 'SERVICE_UNAVAILABLE');
  assert.match(rows.proxy.finding, /which cannot be reached: ECONNREFUSED/);
  assert.equal(rows['ca-bundle'].status, 'fail');
  assert.equal(rows['ca-bundle'].errorCode, 'CONFIG_INVALID');
  assert.match(rows['ca-bundle'].finding, /^invalid METERING_GATE_CA_BUNDLE .*no certificate in the file/);
});

test('without the CA, the endpoint row names the certificate problem and AWS_CA_BUNDLE', async () => {
  const { rows } = await doctor({}, ['--endpoint-url', emulator.url]);
  assert.equal(rows.proxy.status, 'pass');
  assert.equal(rows['ca-bundle'].status, 'pass');
  assert.equal(rows.endpoint.status, 'fail');
  assert.equal(rows.endpoint.errorCode, 'TLS_UNTRUSTED');
  assert.match(rows.endpoint.finding, /not signed by a trusted CA/);
  assert.match(rows.endpoint.fix, /AWS_CA_BUNDLE/);
});
