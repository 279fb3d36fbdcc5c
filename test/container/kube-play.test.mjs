// The Pod the Helm chart renders, run for real with `podman kube play`: the gate is the init
// container; entitled -> the app container runs and reads the result; not entitled -> the app
// container is never started. The chart is rendered by Helm's engine (`helm template`, else
// tools/helm-render; scripts/chart/chartlib.mjs); scripts/chart/kubeplay.mjs adapts it to
// this machine (emulator, test credentials, local image, app stand-in).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { engine, ensureImage } from '../../scripts/container/testlib.mjs';
import { chartDir, render, renderer } from '../../scripts/chart/chartlib.mjs';
import { PODMAN, assertAppNeverStarted, assertAppRan, play, podmanSkip } from '../../scripts/chart/kubeplay.mjs';

const skip = podmanSkip || renderer().skip;

let image;
let rendered;
const cleanups = [];
before(async () => {
  if (skip) return;
  image = (await ensureImage(PODMAN.env)).tag;
  const r = render({ values: [join(chartDir, 'ci/e2e-values.yaml')] });
  assert.equal(r.status, 0, r.stderr);
  rendered = r.stdout;
}, { timeout: 900_000 });
after(() => { for (const c of cleanups.reverse()) c(); });

test('kube play, entitled: the gate succeeds, then the app container runs and reads the result', { skip }, async (t) => {
  t.diagnostic(`rendering from ${renderer().name}`);
  const run = await play(rendered, { scenario: 'entitled', label: 'e2e', image, cleanups });
  t.after(() => run.stop());
  await assertAppRan(run);
  // (kube play got past the init container, so it exited 0. Its own state is not checked:
  // podman 4.3 leaves a pod's init container marked "running" after it has exited.)
  // The app can also check the token itself: `verify` on the app container's read-only mount.
  // --wait, as the README's recipe does: podman runs a pod's init containers again whenever it
  // starts the pod, and a run that is under way has removed the previous result (exit 11 seen).
  const v = engine(['exec', run.app().name, '/nodejs/bin/node', '/app/metering-gate.mjs', 'verify',
    '--wait', '30s', '--public-key', run.emu.key()], PODMAN);
  assert.equal(v.status, 0, `verify in the app container: ${v.stdout}${v.stderr}`);
});

test('kube play, not entitled: the gate exits 3 and the app container never starts', { skip }, async () => {
  const run = await play(rendered, { scenario: 'not-entitled', label: 'e2e', image, cleanups });
  try { assertAppNeverStarted(run, 3); } finally { run.stop(); }
});
