// Runs a rendered workload (the chart's, a seller's chart including the named templates, a
// Kustomize overlay) with `podman kube play` against the emulator, changing only what this
// machine needs. Shared by test/container/kube-play.test.mjs and workload-pieces.test.mjs.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { detectEngine, engine, engineAsync, startEmulator, tempDir } from '../container/testlib.mjs';

export const PODMAN = { env: { CONTAINER_ENGINE: 'podman' } };
const podman = detectEngine(PODMAN.env);
export const podmanSkip = podman.name ? false : `podman kube play is needed and podman is not here, skipped: ${podman.reason}`;

// The app container's stand-in: the seller's image cannot be pulled here, so the app is node
// from the gate image reading the result the way a workload would, then staying up.
const APP_SCRIPT = `
const fs = require('node:fs');
const dir = process.env.METERING_GATE_OUTPUT_DIR;
const env = fs.readFileSync(dir + '/entitlement.env', 'utf8');
const result = JSON.parse(fs.readFileSync(dir + '/entitlement.json', 'utf8'));
console.log('APP-READ status=' + result.status + ' entitled=' + /METERING_GATE_ENTITLED='?true/.test(env));
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
`.trim().split('\n').join(' '); // one line: podman 4.3's kube play trips over some multi-line strings

const podSpecOf = (doc) => (doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template : doc.kind === 'Pod' ? doc : doc.spec.template);

/**
 * Adapt rendered YAML to this machine: the emulator's key in the key ConfigMap, its URL, test
 * credentials in place of IRSA, host networking, unique names, the locally built gate image,
 * and the app stand-in. A Deployment stays one; any other workload becomes a Pod (kube play
 * runs Pods and Deployments). Hook documents (helm test) are left out.
 */
export function adapt(text, { name, image, emu }) {
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean)
    .filter((d) => !d.metadata?.annotations?.['helm.sh/hook']);
  const renamed = new Map();
  const kept = [];
  for (const doc of docs) {
    if (doc.kind !== 'ConfigMap') continue;
    renamed.set(doc.metadata.name, `${name}-${doc.metadata.name}`.slice(0, 63));
    doc.metadata.name = renamed.get(doc.metadata.name);
    const pemKey = Object.keys(doc.data ?? {}).find((k) => doc.data[k].includes('PUBLIC KEY'));
    if (pemKey) doc.data[pemKey] = emu.key();
    kept.push(doc);
  }
  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'Pod'].includes(d.kind));
  assert.equal(workloads.length, 1, `one workload to play: ${docs.map((d) => d.kind)}`);
  const [doc] = workloads;
  const template = podSpecOf(doc);
  const pod = template.spec;
  pod.hostNetwork = true;
  delete pod.serviceAccountName; // IRSA needs EKS; test credentials stand in below
  for (const v of pod.volumes ?? []) if (v.configMap && renamed.has(v.configMap.name)) v.configMap.name = renamed.get(v.configMap.name);
  // podman 4.3 turns an emptyDir into a named volume, named as the pod's volume and shared by
  // every pod on the host that uses the same name: a pod of an earlier test, still restarting
  // its gate, would write its result into this pod's directory. Give each pod its own.
  const emptyDirs = new Map();
  for (const v of pod.volumes ?? []) {
    if (!v.emptyDir) continue;
    emptyDirs.set(v.name, `${name}-${v.name}`.slice(0, 63));
    v.name = emptyDirs.get(v.name);
  }
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const m of c.volumeMounts ?? []) if (emptyDirs.has(m.name)) m.name = emptyDirs.get(m.name);
  }
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const from of c.envFrom ?? []) if (from.configMapRef && renamed.has(from.configMapRef.name)) from.configMapRef.name = renamed.get(from.configMapRef.name);
  }
  const gates = (pod.initContainers ?? []).filter((c) => c.name === 'metering-gate');
  assert.equal(gates.length, 1, 'one metering-gate init container');
  const [gate] = gates;
  gate.image = image;
  gate.env = gate.env.map((e) => (e.name === 'METERING_GATE_ENDPOINT_URL' ? { ...e, value: emu.url } : e));
  if (!gate.env.some((e) => e.name === 'METERING_GATE_ENDPOINT_URL')) gate.env.push({ name: 'METERING_GATE_ENDPOINT_URL', value: emu.url });
  gate.env.push({ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' },
    { name: 'AWS_SECRET_ACCESS_KEY', value: 'kube-play-test-not-a-secret' });
  if (!gate.env.some((e) => e.name === 'AWS_REGION')) gate.env.push({ name: 'AWS_REGION', value: 'us-east-1' });
  const [app] = pod.containers;
  app.name = 'app';
  app.image = image;
  app.command = ['/nodejs/bin/node', '-e', APP_SCRIPT];
  delete app.args;
  delete app.ports; // the seller's ports mean nothing on the host network here
  delete app.livenessProbe;
  delete app.readinessProbe;
  pod.containers = [app];
  let out;
  if (doc.kind === 'Deployment') {
    doc.metadata.name = name;
    out = doc;
  } else {
    out = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: template.metadata?.labels }, spec: { ...pod, restartPolicy: 'Never' } };
  }
  // podman 4.3 removes a "once" init container right after it exits and sometimes races its
  // own cleanup ("cannot remove container ... as it is running"); "always" keeps it, which
  // also lets the test read its exit code.
  const annotate = (meta) => { meta.annotations = { ...meta.annotations, 'io.podman.annotations.init.container.type': 'always' }; };
  annotate(out.metadata);
  if (out.kind === 'Deployment') annotate(out.spec.template.metadata);
  kept.push(out);
  // JSON is YAML, and leaves nothing to either YAML library's quoting rules.
  return kept.map((d) => JSON.stringify(d, null, 2)).join('\n---\n');
}

/**
 * kube play the adapted YAML against an emulator scenario. `stop()` takes the pod down and the
 * emulator with it; call it when the test is done (a Deployment's pod keeps restarting its
 * gate until then). It is also put on `cleanups`, for a test that fails before it can.
 */
export async function play(text, { scenario, label, image, cleanups }) {
  const emu = await startEmulator(scenario);
  const name = `mg-${label}-${scenario}-${process.pid}`;
  const file = join(tempDir(`kube-${label}-${scenario}`), 'pod.yaml');
  let played = false;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (played) {
      engine(['kube', 'down', file], PODMAN);
      // kube down leaves the pod's volumes (its ConfigMaps' and emptyDirs'), all named after it.
      const volumes = engine(['volume', 'ls', '--format', '{{.Name}}'], PODMAN).stdout.split('\n').filter((v) => v.startsWith(`${name}-`));
      if (volumes.length) engine(['volume', 'rm', '--force', ...volumes], PODMAN);
    }
    emu.stop();
  };
  cleanups.push(stop);
  writeFileSync(file, adapt(text, { name, image: image.includes('/') ? image : `localhost/${image}`, emu }));
  played = true;
  const r = await engineAsync(['kube', 'play', file], { ...PODMAN, timeout: 240_000 });
  const ps = () => {
    const list = engine(['ps', '-a', '--filter', `name=${name}`, '--format', 'json'], PODMAN);
    return JSON.parse(list.stdout || '[]').map((c) => ({
      name: [c.Names].flat()[0], state: String(c.State).toLowerCase(), code: c.ExitCode,
    }));
  };
  const app = () => ps().find((c) => c.name.endsWith('-app'));
  return { r, name, ps, app, emu, stop };
}

/** Entitled: kube play succeeded and the app ran and read the result. */
export async function assertAppRan(run) {
  const { r, ps, app } = run;
  assert.equal(r.status, 0, `kube play failed:\n${r.stdout}\n${r.stderr}`);
  let logs = '';
  for (let i = 0; i < 150 && !logs.includes('APP-READ'); i++) {
    const a = app();
    if (a) logs = engine(['logs', a.name], PODMAN).stdout;
    if (!logs.includes('APP-READ')) await sleep(200);
  }
  assert.match(logs, /APP-READ status=ENTITLED entitled=true/, `app logs: ${logs}\ncontainers: ${JSON.stringify(ps())}`);
  assert.equal(app().state, 'running');
}

/** Refused: kube play reports the gate's exit code and the app container never started. */
export function assertAppNeverStarted(run, code) {
  const { r, ps, app } = run;
  assert.notEqual(r.status, 0, 'kube play reports the failed init container');
  assert.match(`${r.stdout}${r.stderr}`, new RegExp(`init container \\S+ exited with code ${code}\\b`), `kube play output:\n${r.stdout}\n${r.stderr}`);
  const a = app();
  assert.ok(a, `the app container exists: ${JSON.stringify(ps())}`);
  assert.equal(a.state, 'created', `the app container was never started: ${JSON.stringify(a)}`);
  assert.equal(engine(['logs', a.name], PODMAN).stdout.trim(), '', 'the app printed nothing');
}
