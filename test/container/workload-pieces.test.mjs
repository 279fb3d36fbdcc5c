// The pieces for existing workloads, run for real with `podman kube play` against the
// emulator: a `helm create`-style chart that includes metering-gate-lib's named templates,
// and a Deployment with the Kustomize component added. Entitled: the app runs and reads the
// result; refused: the gate exits 3 and the app never starts. (The plain-YAML Deployment is
// the same pod; test/chart/pieces.test.mjs holds it to the library's rendering.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import YAML from 'yaml';
import { ensureImage, which } from '../../scripts/container/testlib.mjs';
import { chartDir, readYaml, render, renderer, repoRoot } from '../../scripts/chart/chartlib.mjs';
import { PODMAN, assertAppNeverStarted, assertAppRan, play, podmanSkip } from '../../scripts/chart/kubeplay.mjs';

const skipChart = podmanSkip || renderer().skip;
const skipKustomize = podmanSkip || (which('kubectl') ? false : 'kubectl is not installed here: the Kustomize component is not rendered (skipped)');

let image;
const cleanups = [];
before(async () => {
  if (skipChart && skipKustomize) return;
  image = (await ensureImage(PODMAN.env)).tag;
}, { timeout: 900_000 });
after(() => { for (const c of cleanups.reverse()) c(); });

function sellerChart() {
  const pem = readYaml(join(chartDir, 'ci/e2e-values.yaml')).gate.publicKey.pem;
  const r = render({ chart: join(repoRoot, 'test/fixtures/seller-chart'), release: 'shop', values: [{ meteringGate: { publicKey: { pem } } }] });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The overlay's Deployment only (kube play runs one workload per file here). */
function kustomized() {
  const r = spawnSync('kubectl', ['kustomize', join(repoRoot, 'test/fixtures/kustomize-overlay')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
  return docs.filter((d) => ['ConfigMap', 'Deployment'].includes(d.kind)).map((d) => JSON.stringify(d)).join('\n---\n');
}

test('helm create-style chart with the library\'s templates, entitled: the app runs and reads the result', { skip: skipChart }, async () => {
  const run = await play(sellerChart(), { scenario: 'entitled', label: 'lib', image, cleanups });
  try { await assertAppRan(run); } finally { run.stop(); }
});

test('helm create-style chart with the library\'s templates, not entitled: the app never starts', { skip: skipChart }, async () => {
  const run = await play(sellerChart(), { scenario: 'not-entitled', label: 'lib', image, cleanups });
  try { assertAppNeverStarted(run, 3); } finally { run.stop(); }
});

test('Kustomize component on a Deployment, entitled: the app runs and reads the result', { skip: skipKustomize }, async () => {
  const run = await play(kustomized(), { scenario: 'entitled', label: 'kust', image, cleanups });
  try { await assertAppRan(run); } finally { run.stop(); }
});

test('Kustomize component on a Deployment, not entitled: the app never starts', { skip: skipKustomize }, async () => {
  const run = await play(kustomized(), { scenario: 'not-entitled', label: 'kust', image, cleanups });
  try { assertAppNeverStarted(run, 3); } finally { run.stop(); }
});
