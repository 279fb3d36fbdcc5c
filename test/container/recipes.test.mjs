// The README's container recipes, run as written: the `docker run` recipe (with whatever engine
// engine.sh picks standing in for `docker`) and the compose example with Debian's
// podman-compose, entitled and refused. The only changes to the recipe text are the image tag
// (this run's image) and a suffix on the network, volume and container names, so that
// parallel runs do not meet.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectEngine, engine, engineScript, ensureImage, repoRoot, tempDir, which } from '../../scripts/container/testlib.mjs';

const found = detectEngine();
const skip = found.name ? false : `no container engine here, skipped: ${found.reason}`;
const podman = detectEngine({ CONTAINER_ENGINE: 'podman' });
const skipCompose = skip || (!podman.name && `no podman here, skipped: ${podman.reason}`)
  || (!which('podman-compose') && 'podman-compose is not installed (apt-get install -y podman-compose), skipped');
const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const COMPOSE = join(repoRoot, 'examples/compose/compose.yaml');

let image;
before(async () => {
  if (skip) return;
  image = (await ensureImage()).tag;
}, { timeout: 900_000 });

/** Run a bash script with `docker` meaning engine.sh; resolves with its output, killed after timeoutMs. */
function bash(script, { cwd, env = {}, timeoutMs = 240_000 }) {
  const bin = join(cwd, '.bin');
  mkdirSync(bin, { recursive: true });
  // engine.sh itself looks for a working `docker` on PATH: it must not find this one.
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nPATH=${JSON.stringify(process.env.PATH)} exec ${JSON.stringify(engineScript)} "$@"\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, detached: true, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

test('the README\'s `docker run` recipe works as written: the gate reaches the emulator, exits 0, and the result verifies', { skip }, async () => {
  const blocks = [...README.matchAll(/^```sh docker-recipe\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'one `sh docker-recipe` block in the README');
  const id = randomUUID().slice(0, 8);
  const script = blocks[0]
    .replaceAll('metering-gate:dev', image)
    .replace(/\bmetering-(demo|emulator|entitlement)\b/g, `$&-${id}`);
  const run = await bash(script, { cwd: tempDir('recipe') });
  const context = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  try {
    assert.match(run.stdout, /^gate exit code: 0$/m, context);
    assert.match(run.stdout, /"status":"ENTITLED"/, context);
    assert.match(run.stdout, /^verify exit code: 0$/m, context);
    assert.equal(run.code, 0, `the recipe's last line (clean-up) failed${context}`);
  } finally {
    engine(['rm', '-f', `metering-emulator-${id}`]);
    engine(['network', 'rm', `metering-demo-${id}`]);
    engine(['volume', 'rm', '-f', `metering-entitlement-${id}`]);
  }
});

/** The README's podman-compose steps for one emulator scenario; returns the gate's and the app's exit codes and the app's output. */
async function composeRun(scenario) {
  const project = `mgcompose${randomUUID().slice(0, 8)}`;
  const env = { METERING_GATE_IMAGE: image, EMULATOR_SCENARIO: scenario, CONTAINER_ENGINE: 'podman' };
  const compose = `podman-compose --podman-path ${JSON.stringify(engineScript)} -p ${project} -f ${JSON.stringify(COMPOSE)}`;
  const script = `set -e
${compose} up -d emulator >/dev/null
for i in $(seq 120); do docker logs ${project}_emulator_1 2>&1 | grep -q emulator-listening && break; sleep 1; done
${compose} up -d >/dev/null 2>&1 || true
echo "gate: $(docker wait ${project}_gate_1)"
echo "app: $(docker wait ${project}_app_1)"
docker logs ${project}_app_1 2>/dev/null | sed 's/^/app> /'
`;
  const cwd = tempDir('compose');
  try {
    const run = await bash(script, { cwd, env: { ...env, CONTAINER_ENGINE: 'podman' } });
    const context = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
    assert.equal(run.code, 0, context);
    return {
      gate: Number(run.stdout.match(/^gate: (\d+)$/m)?.[1]),
      app: Number(run.stdout.match(/^app: (\d+)$/m)?.[1]),
      appOutput: run.stdout.split('\n').filter((l) => l.startsWith('app> ')).join('\n'),
      context,
    };
  } finally {
    await bash(`${compose} down -v >/dev/null 2>&1; docker volume rm -f ${project}_entitlement ${project}_emulator-key >/dev/null 2>&1; docker network rm ${project}_default >/dev/null 2>&1; true`, { cwd, env });
  }
}

test('the compose example, entitled: the gate exits 0 and the app starts and verifies the token', { skip: skipCompose }, async () => {
  const r = await composeRun('entitled');
  assert.equal(r.gate, 0, r.context);
  assert.equal(r.app, 0, r.context);
  assert.match(r.appOutput, /"verified":true/, r.context);
});

test('the compose example, not entitled: the gate exits 3 and the app never starts its work', { skip: skipCompose }, async () => {
  const r = await composeRun('not-entitled');
  assert.equal(r.gate, 3, r.context);
  assert.equal(r.app, 3, r.context);
  assert.doesNotMatch(r.appOutput, /"verified":true/, r.context);
});
