// The Pod the Helm chart renders, run for real with `podman kube play`: the gate is the init
// container; entitled -> the app container runs and reads the result; not entitled -> the app
// container is never started. The chart is rendered by Helm's engine (`helm template`, else
// tools/helm-render; scripts/chart/chartlib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import {
  detectEngine, engine, engineAsync, ensureImage, startEmulator, tempDir,
} from '../../scripts/container/testlib.mjs';
import { chartDir, render, renderer } from '../../scripts/chart/chartlib.mjs';

const podman = detectEngine({ CONTAINER_ENGINE: 'podman' });
const skip = (podman.name ? false : `podman kube play is needed and podman is not here, skipped: ${podman.reason}`)
  || renderer().skip;
const PODMAN = { env: { CONTAINER_ENGINE: 'podman' } };

function renderChart() {
  const r = render({ values: [join(chartDir, 'ci/e2e-values.yaml')] });
  assert.equal(r.status, 0, r.stderr);
  return { source: renderer().name, text: r.stdout };
}

// The app container's stand-in: busybox cannot be pulled here, so the app is node from the
// gate image reading the result the way the chart's default app does, then staying up.
const APP_SCRIPT = `
const fs = require('node:fs');
const dir = process.env.METERING_GATE_OUTPUT_DIR;
const env = fs.readFileSync(dir + '/entitlement.env', 'utf8');
const result = JSON.parse(fs.readFileSync(dir + '/entitlement.json', 'utf8'));
console.log('APP-READ status=' + result.status + ' entitled=' + /METERING_GATE_ENTITLED='?true/.test(env));
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
`.trim().split('\n').join(' '); // one line: podman 4.3's kube play trips over some multi-line strings

/**
 * Adapt the chart's own rendering to this machine, changing only what must change: the
 * emulator's key in the ConfigMap, its URL, test credentials in place of IRSA, host
 * networking, a unique name, the locally built gate image, and the app stand-in above.
 */
function adapt(text, { name, image, emu }) {
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  const kept = [];
  for (const doc of docs) {
    if (doc.kind === 'ConfigMap') {
      doc.metadata.name = `${name}-public-key`;
      doc.data['public-key.pem'] = emu.key();
      kept.push(doc);
    } else if (doc.kind === 'Deployment') {
      doc.metadata.name = name;
      const pod = doc.spec.template.spec;
      pod.hostNetwork = true;
      // podman 4.3 removes a "once" init container right after it exits and sometimes races its
      // own cleanup ("cannot remove container ... as it is running"); "always" keeps it, which
      // also lets the test read its exit code.
      for (const meta of [doc.metadata, doc.spec.template.metadata]) {
        meta.annotations = { ...meta.annotations, 'io.podman.annotations.init.container.type': 'always' };
      }
      delete pod.serviceAccountName; // IRSA needs EKS; test credentials stand in below
      for (const v of pod.volumes) if (v.configMap) v.configMap.name = `${name}-public-key`;
      const [gate] = pod.initContainers;
      assert.equal(gate.name, 'metering-gate');
      gate.image = image;
      gate.env = gate.env.map((e) => (e.name === 'METERING_GATE_ENDPOINT_URL' ? { ...e, value: emu.url } : e));
      gate.env.push({ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' },
        { name: 'AWS_SECRET_ACCESS_KEY', value: 'kube-play-test-not-a-secret' });
      const [app] = pod.containers;
      app.image = image;
      app.command = ['/nodejs/bin/node', '-e', APP_SCRIPT];
      delete app.args;
      kept.push(doc);
    }
    // ServiceAccount: podman has no use for it.
  }
  // JSON is YAML, and leaves nothing to either YAML library's quoting rules.
  return kept.map((d) => JSON.stringify(d, null, 2)).join('\n---\n');
}

let image;
let rendered;
const cleanups = [];
before(async () => {
  if (skip) return;
  image = (await ensureImage(PODMAN.env)).tag;
  rendered = renderChart();
}, { timeout: 900_000 });
after(() => { for (const c of cleanups.reverse()) c(); });

async function play(scenario) {
  const emu = await startEmulator(scenario);
  cleanups.push(() => emu.stop());
  const name = `mg-e2e-${scenario}-${process.pid}`;
  const file = join(tempDir(`kube-${scenario}`), 'pod.yaml');
  writeFileSync(file, adapt(rendered.text, { name, image: image.includes('/') ? image : `localhost/${image}`, emu }));
  cleanups.push(() => engine(['kube', 'down', file], PODMAN));
  const r = await engineAsync(['kube', 'play', file], { ...PODMAN, timeout: 240_000 });
  const ps = () => {
    const list = engine(['ps', '-a', '--filter', `name=${name}`, '--format', 'json'], PODMAN);
    return JSON.parse(list.stdout || '[]').map((c) => ({
      name: [c.Names].flat()[0], state: String(c.State).toLowerCase(), code: c.ExitCode,
    }));
  };
  return { r, name, ps, emu };
}

test('kube play, entitled: the gate succeeds, then the app container runs and reads the result', { skip }, async (t) => {
  t.diagnostic(`rendering from ${rendered.source}`);
  const { r, ps, emu } = await play('entitled');
  assert.equal(r.status, 0, `kube play failed:\n${r.stdout}\n${r.stderr}`);
  const app = () => ps().find((c) => c.name.endsWith('-app'));
  let logs = '';
  for (let i = 0; i < 100 && !logs.includes('APP-READ'); i++) {
    const a = app();
    if (a) logs = engine(['logs', a.name], PODMAN).stdout;
    if (!logs.includes('APP-READ')) await sleep(200);
  }
  assert.match(logs, /APP-READ status=ENTITLED entitled=true/, `app logs: ${logs}\ncontainers: ${JSON.stringify(ps())}`);
  assert.equal(app().state, 'running');
  // (kube play got past the init container, so it exited 0. Its own state is not checked:
  // podman 4.3 leaves a pod's init container marked "running" after it has exited.)
  // The app can also check the token itself: `verify` on the app container's read-only mount.
  const v = engine(['exec', app().name, '/nodejs/bin/node', '/app/metering-gate.mjs', 'verify',
    '--public-key', emu.key()], PODMAN);
  assert.equal(v.status, 0, `verify in the app container: ${v.stdout}${v.stderr}`);
});

test('kube play, not entitled: the gate exits 3 and the app container never starts', { skip }, async () => {
  const { r, ps } = await play('not-entitled');
  assert.notEqual(r.status, 0, 'kube play reports the failed init container');
  assert.match(`${r.stdout}${r.stderr}`, /init container \S+ exited with code 3\b/, `kube play output:\n${r.stdout}\n${r.stderr}`);
  const app = ps().find((c) => c.name.endsWith('-app'));
  assert.ok(app, `the app container exists: ${JSON.stringify(ps())}`);
  assert.equal(app.state, 'created', `the app container was never started: ${JSON.stringify(app)}`);
  assert.equal(engine(['logs', app.name], PODMAN).stdout.trim(), '', 'the app printed nothing');
});
