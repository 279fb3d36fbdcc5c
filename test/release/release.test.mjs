// The release path, checked where it can be without a registry: the GitHub Actions workflow,
// `make release` in dry-run mode (the exact buildx, cosign and helm commands) and its refusals,
// the Dockerfile's pinned bases and per-platform snapshot stage, and `make image` refusing to
// fall back to stand-in bases unasked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { detectEngine, repoRoot } from '../../scripts/container/testlib.mjs';

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/release.yml'), 'utf8'));
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const argDefault = (name) => dockerfile.match(new RegExp(`^ARG ${name}=(.+)$`, 'm'))?.[1];
const REGISTRY = '709825985650.dkr.ecr.us-east-1.amazonaws.com/my-seller';

/** `make release` with only these variables (plus PATH and HOME). */
function release(vars, makeArgs = []) {
  return spawnSync('make', ['-s', 'release', ...makeArgs], {
    cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars },
  });
}

/** The commands a dry run prints, as argv arrays (bash's %q quoting undone for what we use). */
const commands = (stdout) => stdout.split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2).replaceAll('\\,', ',').replaceAll('\\<', '<').replaceAll('\\>', '>').split(' '));

test('the Dockerfile pins both bases by digest, builds the bundle once and the snapshot per target platform', () => {
  for (const name of ['BUILD_IMAGE', 'RUNTIME_IMAGE']) assert.match(argDefault(name) ?? '', DIGEST, `${name} is pinned by digest`);
  const froms = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
  assert.match(froms.find((l) => / AS build$/.test(l)) ?? '', /^FROM --platform=\$BUILDPLATFORM /, 'the bundle is plain JavaScript: built once, on the builder');
  const snapshot = froms.find((l) => / AS snapshot$/.test(l));
  assert.equal(snapshot, 'FROM ${RUNTIME_IMAGE} AS snapshot', 'the snapshot stage runs on the target platform (no --platform), as a blob only starts on the node that made it');
});

test('the workflow: a version tag runs the tests, then make release with QEMU, buildx, cosign and helm, signing keyless', () => {
  assert.deepEqual(workflow.on.push.tags, ['v*.*.*']);
  assert.deepEqual(workflow.permissions, { contents: 'read' }, 'least privilege by default');
  const { test: testJob, release: job } = workflow.jobs;
  assert.ok(testJob.steps.some((s) => /\.ci\/run/.test(s.run ?? '')), 'the test job runs .ci/run (make test)');
  assert.equal(job.needs, 'test', 'nothing is released that did not pass the tests');
  assert.equal(job.permissions['id-token'], 'write', 'cosign keyless and the AWS role need the OIDC token');
  assert.equal(job.env.REGISTRY, '${{ vars.REGISTRY }}', 'the registry is a repository variable');
  const uses = job.steps.map((s) => s.uses).filter(Boolean).map((u) => u.split('@')[0]);
  for (const action of ['actions/checkout', 'docker/setup-qemu-action', 'docker/setup-buildx-action', 'sigstore/cosign-installer', 'azure/setup-helm', 'aws-actions/configure-aws-credentials']) {
    assert.ok(uses.includes(action), `uses ${action}`);
  }
  assert.ok(uses.indexOf('docker/setup-qemu-action') < uses.indexOf('docker/setup-buildx-action'), 'QEMU before buildx, for the arm64 snapshot stage');
  assert.match(job.steps.find((s) => s.uses?.startsWith('docker/setup-qemu-action')).with.platforms, /arm64/);
  const runs = job.steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /^make release VERSION="\$\{GITHUB_REF_NAME#v\}"$/m);
  assert.match(runs, /docker login .*--password-stdin/);
  assert.match(runs, /helm registry login .*--password-stdin/);
  const text = readFileSync(join(repoRoot, '.github/workflows/release.yml'), 'utf8');
  assert.doesNotMatch(text, /COSIGN_KEY|COSIGN_PRIVATE_KEY|--key\b|secrets\.AWS_SECRET_ACCESS_KEY/, 'keyless: no signing key and no long-term AWS key');
});

test('make release (dry run): buildx for both platforms on the pinned bases with SBOM and provenance, then cosign and helm by digest', () => {
  const r = release({ REGISTRY, DRY_RUN: '1' });
  assert.equal(r.status, 0, r.stderr);
  const cmds = commands(r.stdout);
  const buildx = cmds.find((c) => c[0] === 'docker' && c[1] === 'buildx');
  assert.ok(buildx, r.stdout);
  const flag = (name) => buildx[buildx.indexOf(name) + 1];
  assert.equal(flag('--platform'), 'linux/amd64,linux/arm64');
  assert.ok(buildx.includes('--sbom=true'), 'an SBOM attestation');
  assert.ok(buildx.includes('--provenance=mode=max'), 'a provenance attestation');
  assert.ok(buildx.includes('--push'));
  assert.equal(flag('--tag'), `${REGISTRY}/metering-gate:0.1.0`);
  const buildArgs = buildx.filter((_, i) => buildx[i - 1] === '--build-arg');
  assert.ok(buildArgs.includes(`BUILD_IMAGE=${argDefault('BUILD_IMAGE')}`), 'the Dockerfile\'s pinned build base');
  assert.ok(buildArgs.includes(`RUNTIME_IMAGE=${argDefault('RUNTIME_IMAGE')}`), 'the Dockerfile\'s pinned runtime base');
  const signs = cmds.filter((c) => c[0] === 'cosign');
  assert.deepEqual(signs.map((c) => c.slice(0, 3)), [['cosign', 'sign', '--yes'], ['cosign', 'sign', '--yes']]);
  assert.match(signs[0][3], new RegExp(`^${REGISTRY}/metering-gate@sha256:`), 'the image is signed by digest');
  assert.match(signs[1][3], new RegExp(`^${REGISTRY}/charts/metering-gate@sha256:`), 'the chart is signed by digest');
  assert.ok(!signs.flat().includes('--key'), 'keyless');
  const push = cmds.find((c) => c[0] === 'helm' && c[1] === 'push');
  assert.equal(push[3], `oci://${REGISTRY}/charts`);
  assert.ok(cmds.some((c) => c.slice(0, 3).join(' ') === 'helm package helm/metering-gate'));
  assert.ok(cmds.indexOf(buildx) < cmds.indexOf(signs[0]) && cmds.indexOf(signs[0]) < cmds.indexOf(push));
});

for (const [what, vars, pattern] of [
  ['no REGISTRY', { DRY_RUN: '1' }, /REGISTRY is not set/],
  ['a stand-in base', { REGISTRY, DRY_RUN: '1', RUNTIME_IMAGE: `localhost/metering-gate-standin/nodejs24:nonroot-24@sha256:${'a'.repeat(64)}` }, /is a local stand-in/],
  ['a base pinned by tag only', { REGISTRY, DRY_RUN: '1', BUILD_IMAGE: 'node:24-bookworm-slim' }, /node:24-bookworm-slim is not pinned by digest/],
  ['a version that is not x.y.z', { REGISTRY, DRY_RUN: '1', VERSION: 'latest' }, /VERSION 'latest' is not a semantic version/],
]) {
  test(`make release refuses ${what}, before running anything`, () => {
    const r = release(vars);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stdout, /^\+ /m, 'no command ran');
  });
}

const engine = detectEngine();
test('make image does not fall back to stand-in bases unless asked', { skip: engine.name ? false : engine.reason }, () => {
  // A runtime base no registry can give: the build must stop and say how to ask for stand-ins.
  const r = spawnSync('make', ['-s', 'image', 'IMAGE=metering-gate:release-test-never-built'], {
    cwd: repoRoot, encoding: 'utf8', timeout: 600_000,
    env: { ...process.env, METERING_GATE_STANDIN_BASES: '', RUNTIME_IMAGE: 'localhost/metering-gate-absent/runtime:none' },
  });
  assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /cannot pull the base images .*localhost\/metering-gate-absent\/runtime:none/);
  assert.match(r.stderr, /METERING_GATE_STANDIN_BASES=1 \(make image STANDIN=1\)/);
  assert.doesNotMatch(r.stderr, /using local stand-ins/);
});
