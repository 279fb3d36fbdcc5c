// Smoke test of the container image, run the way a seller runs it: read-only root filesystem,
// no capabilities, the image's own (non-root) user, the result in a mounted volume, against
// the emulator on the host network. Builds the image first (scripts/container/image.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectEngine, engine, ensureImage, startEmulator, tempDir, lastJsonLine,
} from '../../scripts/container/testlib.mjs';
import { SNAPSHOT_NODE_FLAGS } from '../../scripts/lib/snapshot.mjs';

const found = detectEngine();
const skip = found.name ? false : `no container engine here, skipped: ${found.reason}`;
const PRODUCT = 'mgsmokeproduct0123456789';
const OUT = '/var/run/metering-gate';
const KEY_IN = '/etc/metering-gate/public-key.pem';
const TEST_CREDS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'smoke-test-not-a-secret' };

let image;
const emulators = [];
before(async () => {
  if (skip) return;
  image = (await ensureImage()).tag;
}, { timeout: 900_000 });
after(() => { for (const e of emulators) e.stop(); });

const hardened = ['--rm', '--read-only', '--cap-drop', 'ALL'];
const envArgs = (env) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

/** Run the image against an emulator scenario with the result dir and key mounted. */
async function registerAgainst(scenario) {
  const emu = await startEmulator(scenario);
  emulators.push(emu);
  const out = tempDir(`smoke-${scenario}`, { ownedByImageUser: true });
  const keyFile = join(tempDir(`key-${scenario}`), 'public-key.pem');
  writeFileSync(keyFile, emu.key());
  chmodSync(keyFile, 0o644);
  const r = engine(['run', ...hardened, '--network=host',
    '-v', `${out}:${OUT}`, '-v', `${keyFile}:${KEY_IN}:ro`,
    ...envArgs({
      METERING_GATE_PRODUCT_CODE: PRODUCT, METERING_GATE_PUBLIC_KEY_FILE: KEY_IN,
      METERING_GATE_ENDPOINT_URL: emu.url, METERING_GATE_DEADLINE: '20s', AWS_REGION: 'us-east-1', ...TEST_CREDS,
    }),
    image]);
  return { r, out, keyFile, emu };
}

test('the image: non-root user, result VOLUME, entrypoint and default command, OCI labels', { skip }, () => {
  const r = engine(['image', 'inspect', '--format', '{{json .Config}}', image]);
  assert.equal(r.status, 0, r.stderr);
  const config = JSON.parse(r.stdout);
  assert.equal(config.User, '65532:65532');
  assert.ok(Object.keys(config.Volumes ?? {}).includes(OUT), `VOLUME ${OUT} declared: ${JSON.stringify(config.Volumes)}`);
  assert.deepEqual(config.Entrypoint, ['/nodejs/bin/node', ...SNAPSHOT_NODE_FLAGS, '--snapshot-blob', '/app/metering-gate.blob', '--']);
  assert.deepEqual(config.Cmd, ['register']);
  for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'base.name']) {
    assert.ok(config.Labels?.[`org.opencontainers.image.${label}`], `label org.opencontainers.image.${label}`);
  }
  // Shell-less: there is no /bin/sh to run.
  const sh = engine(['run', '--rm', '--network=none', '--entrypoint', '/bin/sh', image, '-c', 'true']);
  assert.notEqual(sh.status, 0, 'the runtime image must not contain a shell');
});

test('entitled: read-only, no capabilities, default user -> exit 0 and a readable result in the volume', { skip }, async () => {
  const { r, out, keyFile } = await registerAgainst('entitled');
  assert.equal(r.status, 0, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const printed = lastJsonLine(r.stdout);
  assert.equal(printed?.status, 'ENTITLED');

  const resultFile = join(out, 'entitlement.json');
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  assert.equal(result.status, 'ENTITLED');
  assert.equal(result.entitled, true);
  assert.equal(result.exitCode, 0);
  assert.equal(result.productCode, PRODUCT);
  assert.equal(result.region, 'us-east-1');
  assert.equal(result.signatureVerified, true);
  assert.equal(statSync(resultFile).uid, 65532, 'written by the image user 65532');
  assert.ok(statSync(resultFile).mode & 0o004, 'world-readable, so an app running as another user can read it');
  const envFile = readFileSync(join(out, 'entitlement.env'), 'utf8');
  assert.match(envFile, /^METERING_GATE_STATUS='?ENTITLED'?$/m);
  assert.match(envFile, /^METERING_GATE_ENTITLED='?true'?$/m);

  // What the app does: verify the result offline, from a read-only mount, with the same image.
  const v = engine(['run', ...hardened, '--network=none', '-v', `${out}:${OUT}:ro`, '-v', `${keyFile}:${KEY_IN}:ro`,
    ...envArgs({ METERING_GATE_PUBLIC_KEY_FILE: KEY_IN }), image, 'verify', '--product-code', PRODUCT]);
  assert.equal(v.status, 0, `verify exit ${v.status}\n${v.stdout}\n${v.stderr}`);
});

test('not entitled: exit 3 and a NOT_ENTITLED result', { skip }, async () => {
  const { r, out } = await registerAgainst('not-entitled');
  assert.equal(r.status, 3, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'NOT_ENTITLED');
  assert.equal(result.errorCode, 'CUSTOMER_NOT_ENTITLED');
  assert.equal(result.entitled, false);
});

// HTTPS with a private CA, as behind a TLS-inspecting proxy: the emulator serves TLS for the
// real Metering host name from a CA of its own; the gate's container gets that CA as a file
// mounted read-only (a Secret or ConfigMap in a cluster) and AWS_CA_BUNDLE naming it. The host
// name resolves to the host's loopback inside the container (--add-host), so the certificate's
// name check is the real one, not an IP address's.
const METERING_HOST = 'metering.marketplace.us-east-1.amazonaws.com';
const CA_IN = '/etc/metering-gate/ca/corp-ca.pem';

async function registerOverTls({ withCa }) {
  const caDir = tempDir('smoke-ca');
  const caFile = join(caDir, 'corp-ca.pem');
  const emu = await startEmulator('entitled', { extraArgs: ['--tls', '--ca-out', caFile] });
  emulators.push(emu);
  chmodSync(caFile, 0o644);
  const endpoint = `https://${METERING_HOST}:${new URL(emu.url).port}`;
  const out = tempDir(`smoke-tls-${withCa ? 'ca' : 'noca'}`, { ownedByImageUser: true });
  const keyFile = join(tempDir('key-tls'), 'public-key.pem');
  writeFileSync(keyFile, emu.key());
  chmodSync(keyFile, 0o644);
  const r = engine(['run', ...hardened, '--network=host', '--add-host', `${METERING_HOST}:127.0.0.1`,
    '-v', `${out}:${OUT}`, '-v', `${keyFile}:${KEY_IN}:ro`,
    ...(withCa ? ['-v', `${caFile}:${CA_IN}:ro`] : []),
    ...envArgs({
      METERING_GATE_PRODUCT_CODE: PRODUCT, METERING_GATE_PUBLIC_KEY_FILE: KEY_IN,
      METERING_GATE_ENDPOINT_URL: endpoint, METERING_GATE_DEADLINE: '20s', AWS_REGION: 'us-east-1', ...TEST_CREDS,
      ...(withCa ? { AWS_CA_BUNDLE: CA_IN } : {}),
    }),
    image]);
  return { r, out, emu, endpoint };
}

test('HTTPS with the private CA mounted read-only and AWS_CA_BUNDLE: exit 0 and an ENTITLED result in the volume', { skip }, async () => {
  const { r, out, emu } = await registerOverTls({ withCa: true });
  assert.equal(r.status, 0, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'ENTITLED');
  assert.equal(result.entitled, true);
  assert.equal(result.exitCode, 0);
  assert.equal(result.productCode, PRODUCT);
  assert.equal(result.signatureVerified, true);
  assert.equal(result.attempts, 1);
  const requests = await emu.requests();
  assert.deepEqual(requests.map((q) => [q.target, q.status]), [['AWSMPMeteringService.RegisterUsage', 200]], 'the call reached the emulator over TLS');
});

test('HTTPS without the CA: exit 2 TLS_UNTRUSTED after the first attempt, naming the host and AWS_CA_BUNDLE', { skip }, async () => {
  const { r, out, emu } = await registerOverTls({ withCa: false });
  assert.equal(r.status, 2, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'ERROR');
  assert.equal(result.errorCode, 'TLS_UNTRUSTED');
  assert.equal(result.attempts, 1, 'not retried');
  assert.match(result.message, new RegExp(`TLS with ${METERING_HOST.replaceAll('.', '\\.')}:\\d+ failed: the certificate`));
  assert.match(result.hint, /AWS_CA_BUNDLE/);
  assert.deepEqual(await emu.requests(), [], 'no request got through');
});

// No network at all, no endpoint, no AWS configuration: what a container outside AWS gets.
const bare = (env) => engine(['run', ...hardened, '--network=none',
  ...envArgs({ METERING_GATE_PRODUCT_CODE: PRODUCT, METERING_GATE_SKIP_SIGNATURE_VERIFICATION: 'true', ...env }), image]);

test('no region, no credentials, no endpoint: exit 7 with a one-line message saying what was tried', { skip }, () => {
  const r = bare({});
  assert.equal(r.status, 7, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = lastJsonLine(r.stdout);
  assert.equal(result?.errorCode, 'REGION_UNRESOLVED');
  assert.match(result.message, /region/i);
  assert.match(result.message, /AWS_REGION/);
  assert.doesNotMatch(result.message, /\n/);
  assert.match(r.stderr, /region/i, 'the reason is logged on stderr too');
});

test('a region but no credentials: exit 8 with a clear message', { skip }, () => {
  const r = bare({ AWS_REGION: 'us-east-1' });
  assert.equal(r.status, 8, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const result = lastJsonLine(r.stdout);
  assert.equal(result?.errorCode, 'CREDENTIALS_UNAVAILABLE');
  assert.match(result.message, /credential/i);
  assert.doesNotMatch(result.message, /\n/);
});
