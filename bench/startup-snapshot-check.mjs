#!/usr/bin/env node
// Checks that a start from the startup snapshot behaves as the plain bundle does, where the
// CLI tests cannot see it (part of `make test-cli-snapshot`, issue 5):
//   - what goes on the wire: every header of the RegisterUsage request but the per-request
//     ones (date, signature, invocation id) is the same for both, in the ECS task, with a
//     different AWS_EXECUTION_ENV and an app id from the environment, and with an app id from
//     a shared config file (so no answer of the build machine's config files was kept);
//   - what must never repeat: nonces and SDK invocation ids differ from run to run.
//
//   node bench/startup-snapshot-check.mjs --node24 PATH --blob PATH [--bundle dist/metering-gate.mjs]
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { snapshotLauncher } from '../scripts/lib/snapshot.mjs';
import { runOnce, startEmulator, startFakeEcsTask, taskEnv, tempDir } from './lib-startup.mjs';

const { values: opts } = parseArgs({ options: { node24: { type: 'string' }, blob: { type: 'string' }, bundle: { type: 'string', default: 'dist/metering-gate.mjs' } } });
if (!opts.node24 || !opts.blob) throw new Error('--node24 PATH and --blob PATH are required');
const BUNDLE = resolve(opts.bundle);
// Per request: the clock, the signature, the invocation id, and the body's hash and length (the body carries the nonce).
const PER_REQUEST = new Set(['x-amz-date', 'authorization', 'amz-sdk-invocation-id', 'x-amz-content-sha256', 'content-length']);

/** Forwards to the emulator untouched (the SigV4 signature covers the Host header, kept as sent) and records each request's headers. */
function recordingProxy(target) {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ ...req.headers });
    const upstream = request(new URL(req.url, target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) })));
}

const ecs = await startFakeEcsTask();
const emulator = await startEmulator(process.execPath, BUNDLE);
const proxy = await recordingProxy(emulator.url);
const work = tempDir('gate-snapshot-check-');
const home = join(work, 'home');
mkdirSync(home);
const configFile = join(work, 'aws-config');
writeFileSync(configFile, '[default]\nsdk_ua_app_id = from-config-file\n');

const launchers = {
  plain: [resolve(opts.node24), BUNDLE],
  // As the image starts it, under the flags the blob was built with (scripts/lib/snapshot.mjs).
  snapshot: snapshotLauncher({ node: opts.node24, blob: opts.blob }),
};

async function register(launcher, extraEnv) {
  const outputDir = join(work, `out-${proxy.seen.length}`);
  const before = proxy.seen.length;
  const run = await runOnce([...launchers[launcher], 'register'], {
    env: taskEnv(home, ecs, {
      METERING_GATE_PRODUCT_CODE: 'snapshotcheckproduct',
      METERING_GATE_PUBLIC_KEY_FILE: emulator.keyPath,
      METERING_GATE_ENDPOINT_URL: proxy.url,
      METERING_GATE_OUTPUT_DIR: outputDir,
      METERING_GATE_TERMINATION_LOG: join(work, 'termination-log'),
      ...extraEnv,
    }),
  });
  assert.equal(run.code, 0, `${launcher}: exit ${run.code}: ${run.stderr}`);
  assert.equal(proxy.seen.length, before + 1, `${launcher}: one RegisterUsage request`);
  const result = JSON.parse(readFileSync(join(outputDir, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'ENTITLED');
  return { headers: proxy.seen[before], nonce: result.nonce, stderr: run.stderr };
}

const stable = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_REQUEST.has(name)).sort());
const cases = {
  'ECS task': {},
  'other AWS_EXECUTION_ENV, app id from the environment': { AWS_EXECUTION_ENV: 'AWS_ECS_EC2', AWS_SDK_UA_APP_ID: 'from-env' },
  'app id from a shared config file': { AWS_CONFIG_FILE: configFile },
};
let failed = false;
try {
  for (const [name, env] of Object.entries(cases)) {
    const plain = await register('plain', env);
    const snapshot = await register('snapshot', env);
    assert.deepEqual(stable(snapshot.headers), stable(plain.headers), `${name}: request headers differ`);
    if (env.AWS_SDK_UA_APP_ID) assert.match(snapshot.headers['user-agent'], /app\/from-env/);
    if (env.AWS_CONFIG_FILE === configFile) assert.match(snapshot.headers['user-agent'], /app\/from-config-file/);
    process.stdout.write(`ok - ${name}: same request headers from the snapshot as from the bundle\n`);
  }
  const runs = [];
  for (let i = 0; i < 4; i += 1) runs.push(await register('snapshot', {}));
  assert.equal(new Set(runs.map((r) => r.nonce)).size, runs.length, 'nonces repeat across starts from the snapshot');
  assert.equal(new Set(runs.map((r) => r.headers['amz-sdk-invocation-id'])).size, runs.length, 'invocation ids repeat across starts from the snapshot');
  process.stdout.write(`ok - ${runs.length} starts from the snapshot: every nonce and SDK invocation id different\n`);
} catch (error) {
  failed = true;
  process.stderr.write(`not ok - ${error.message}\n`);
} finally {
  await Promise.all([proxy.close(), emulator.stop(), ecs.close()]);
}
process.exit(failed ? 1 : 0);
