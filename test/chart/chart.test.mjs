// The Helm chart, rendered by Helm's engine: `helm template` when helm is installed, else
// tools/helm-render (the same libraries: text/template, sprig, yaml.v2, gojsonschema; see
// scripts/chart/renderer.sh). Schema refusals, required values and the rendered pod are all
// checked on real renderings, and two drifts of the templates are shown to be caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractEnvNames, which } from '../../scripts/container/testlib.mjs';
import { chartDir as chart, copyChart, editFile, readYaml, render, renderer, repoRoot } from '../../scripts/chart/chartlib.mjs';

const ciValues = join(chart, 'ci/e2e-values.yaml');
const skip = renderer().skip;
const noHelm = which('helm') ? false : 'helm lint needs helm itself, which is not installed here: skipped';

/** Helm's merge of user values over the defaults: maps merge, everything else replaces. */
function merge(base, over) {
  if (!over || typeof over !== 'object' || Array.isArray(over) || !base || typeof base !== 'object' || Array.isArray(base)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}
const ci = merge(readYaml(join(chart, 'values.yaml')), readYaml(ciValues));
const renderCi = (opts = {}) => render({ ...opts, values: [ciValues, ...(opts.values ?? [])] });
const ok = (r) => { assert.equal(r.status, 0, r.stderr); return r.docs; };
const byKind = (docs, kind) => docs.find((d) => d.kind === kind);
const schemaRefusal = /values don't meet the specifications of the schema/;

test('the chart has its parts: Chart.yaml, values, schema, templates, NOTES.txt, README', () => {
  for (const f of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'README.md', '.helmignore',
    'templates/_helpers.tpl', 'templates/deployment.yaml', 'templates/serviceaccount.yaml',
    'templates/configmap.yaml', 'templates/NOTES.txt', 'ci/e2e-values.yaml']) {
    assert.ok(existsSync(join(chart, f)), `${f} exists`);
  }
  const meta = readYaml(join(chart, 'Chart.yaml'));
  assert.equal(meta.apiVersion, 'v2');
  assert.equal(meta.name, 'metering-gate');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(meta.appVersion, pkg.version, 'appVersion follows package.json (the image tag default)');
});

test('schema: the test values and other valid settings render', { skip }, (t) => {
  t.diagnostic(`rendered by ${renderer().name}`);
  ok(renderCi());
  ok(renderCi({ values: [{ gate: { productCode: 'cqcvf9f0ugw8rkbgmf1c9dxyz', publicKeyVersion: 3, trustedProductCodes: ['a-b_c:1'] } }] }));
  ok(renderCi({ values: [{ gate: { region: 'eusc-de-east-1', deadline: '1m30s', attemptTimeout: '500ms' } }] }));
  ok(renderCi({ args: ['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=existing-irsa-sa', '--set', 'serviceAccount.roleArn='] }));
});

test('schema: refuses bad product codes, key versions, unknown keys and other bad settings, naming the key', { skip }, () => {
  const bad = [
    ['gate.productCode', { gate: { productCode: 'not a code!' } }],
    ['gate.productCode', { gate: { productCode: 'x'.repeat(256) } }],
    ['gate.productCode', { gate: { productCode: 'semi;colon' } }],
    ['gate.publicKeyVersion', { gate: { publicKeyVersion: 0 } }],
    ['gate.publicKeyVersion', { gate: { publicKeyVersion: -1 } }],
    ['gate.publicKeyVersion', { gate: { publicKeyVersion: 1.5 } }],
    ['gate.publicKeyVersion', { gate: { publicKeyVersion: '1' } }],
    ['replicas', { replicas: 2 }],
    ['productcode', { gate: { productcode: 'typo' } }],
    ['serviceAccount', { serviceAccount: { create: false, name: '' } }],
    ['serviceAccount', { serviceAccount: { create: false, name: 'x' } }], // ci values carry a roleArn
    ['serviceAccount.roleArn', { serviceAccount: { roleArn: 'my-role' } }],
    ['gate.onUnavailable', { gate: { onUnavailable: 'maybe' } }],
    ['gate.deadline', { gate: { deadline: 'five minutes' } }],
    ['gate.deadline', { gate: { deadline: '30' } }],
    ['gate.publicKey.pem', { gate: { publicKey: { pem: 'not a pem' } } }],
  ];
  for (const [key, values] of bad) {
    const r = renderCi({ values: [values] });
    assert.notEqual(r.status, 0, `${JSON.stringify(values).slice(0, 60)} is refused`);
    assert.match(r.stderr, schemaRefusal, JSON.stringify(values).slice(0, 60));
    assert.ok(r.stderr.includes(key), `the refusal names ${key}: ${r.stderr}`);
  }
});

test('required values: no product code, no public key, reused ServiceAccount without a name', { skip }, () => {
  const bare = render();
  assert.notEqual(bare.status, 0);
  assert.match(bare.stderr, /gate\.productCode is required/);
  const noKey = render({ args: ['--set', 'gate.productCode=abc'] });
  assert.notEqual(noKey.status, 0);
  assert.match(noKey.stderr, /gate\.publicKey\.pem or gate\.publicKey\.existingConfigMap is required/);
  ok(render({ args: ['--set', 'gate.productCode=abc', '--set', 'gate.skipSignatureVerification=true'] }));
});

/** What the chart promises about its pod; the drift test below feeds it broken templates. */
function checkGatePod(docs) {
  const pod = byKind(docs, 'Deployment').spec.template.spec;
  assert.equal(pod.initContainers.length, 1);
  const [gate] = pod.initContainers;
  const [app] = pod.containers;
  assert.equal(gate.name, 'metering-gate');
  assert.equal(gate.image, `${ci.image.repository}:${ci.image.tag}`);
  assert.deepEqual(gate.args, ['register']);
  assert.equal(gate.terminationMessagePolicy, 'FallbackToLogsOnError', 'the gate\'s reason reaches kubectl describe');
  assert.deepEqual(gate.securityContext, ci.securityContext);
  assert.deepEqual(gate.resources, ci.gate.resources);
  const sc = gate.securityContext;
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  for (const [k, v] of Object.entries(gate.resources.limits)) assert.ok(v, `limit ${k}`);
  const env = Object.fromEntries(gate.env.map((e) => [e.name, e.value]));
  assert.equal(env.METERING_GATE_PRODUCT_CODE, ci.gate.productCode);
  assert.equal(env.METERING_GATE_PUBLIC_KEY_VERSION, String(ci.gate.publicKeyVersion));
  assert.equal(env.METERING_GATE_OUTPUT_DIR, ci.gate.outputDir);
  assert.equal(env.METERING_GATE_ENDPOINT_URL, ci.gate.endpointUrl);
  assert.equal(env.AWS_REGION, ci.gate.region);
  const contract = contractEnvNames();
  if (contract) {
    for (const name of Object.keys(env)) assert.ok(contract.names.has(name), `${name} is defined by ${contract.source}`);
  }
  const result = pod.volumes.find((v) => v.name === 'metering-gate-result');
  assert.ok(result.emptyDir, 'the result volume is an emptyDir');
  assert.deepEqual(gate.volumeMounts.find((m) => m.name === result.name), { name: result.name, mountPath: ci.gate.outputDir });
  assert.deepEqual(app.volumeMounts.find((m) => m.name === result.name), { name: result.name, mountPath: ci.gate.outputDir, readOnly: true },
    'the app mounts the result read-only');
  assert.deepEqual(app.securityContext, ci.securityContext);
  return { pod, gate, app };
}

test('rendering: gate init container hardened, env from the contract, termination message, small resources; app reads the result read-only', { skip }, () => {
  checkGatePod(ok(renderCi()));
});

test('rendering: the key from the ConfigMap; IRSA ServiceAccount; the app as configured', { skip }, () => {
  const docs = ok(renderCi());
  const { pod, gate, app } = checkGatePod(docs);
  const keyVolume = pod.volumes.find((v) => v.configMap);
  const cm = byKind(docs, 'ConfigMap');
  assert.equal(keyVolume.configMap.name, cm.metadata.name);
  assert.equal(cm.data[ci.gate.publicKey.configMapKey], ci.gate.publicKey.pem);
  const keyMount = gate.volumeMounts.find((m) => m.name === keyVolume.name);
  assert.equal(keyMount.readOnly, true);
  assert.equal(gate.env.find((e) => e.name === 'METERING_GATE_PUBLIC_KEY_FILE').value, `${keyMount.mountPath}/${ci.gate.publicKey.configMapKey}`);
  const sa = byKind(docs, 'ServiceAccount');
  assert.equal(pod.serviceAccountName, sa.metadata.name);
  assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], ci.serviceAccount.roleArn);
  assert.deepEqual(app.command, ci.app.command);
  assert.deepEqual(app.args, ci.app.args);
});

test('rendering: reused ServiceAccount is not created; existing ConfigMap is used; workload can be turned off', { skip }, () => {
  const reuse = ok(renderCi({ args: ['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=mine', '--set', 'serviceAccount.roleArn='] }));
  assert.equal(reuse.filter((d) => d.kind === 'ServiceAccount').length, 0);
  assert.equal(byKind(reuse, 'Deployment').spec.template.spec.serviceAccountName, 'mine');
  const cm = ok(renderCi({ args: ['--set', 'gate.publicKey.existingConfigMap=their-key'] }));
  assert.equal(cm.filter((d) => d.kind === 'ConfigMap').length, 0);
  assert.ok(byKind(cm, 'Deployment').spec.template.spec.volumes.some((v) => v.configMap?.name === 'their-key'));
  const off = ok(renderCi({ args: ['--set', 'workload.enabled=false'] }));
  assert.equal(off.filter((d) => d.kind === 'Deployment').length, 0);
});

// The two drifts make test once missed: each, made in a copy of the chart, fails the checks.
test('drift: deleting terminationMessagePolicy from the gate\'s named templates is caught', { skip }, () => {
  const copy = copyChart();
  editFile(join(copy, 'templates/_metering-gate.tpl'), /^\s*terminationMessagePolicy:.*\n/m, '');
  assert.throws(() => checkGatePod(ok(renderCi({ chart: copy }))), /terminationMessagePolicy|FallbackToLogsOnError/);
});

test('drift: making the app\'s mount of the result read-write is caught', { skip }, () => {
  const copy = copyChart();
  editFile(join(copy, 'templates/_metering-gate.tpl'), /(define "meteringGate\.volumeMount"[\s\S]*?)readOnly: true/, '$1readOnly: false');
  assert.throws(() => checkGatePod(ok(renderCi({ chart: copy }))), /read-only/);
});

test('helm lint (with the test values)', { skip: noHelm }, () => {
  const lint = spawnSync('helm', ['lint', chart, '-f', ciValues], { encoding: 'utf8' });
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
});

test('gate.extraArgs follow `register`; the helm test hook Pod runs `doctor --call` with the gate\'s service account, environment and mounts', { skip }, () => {
  const docs = ok(renderCi({ values: [{ gate: { extraArgs: ['--log-format', 'pretty'] } }] }));
  const pod = byKind(docs, 'Deployment').spec.template.spec;
  const [gate] = pod.initContainers;
  assert.deepEqual(gate.args, ['register', '--log-format', 'pretty']);
  const hook = docs.find((d) => d.kind === 'Pod' && d.metadata.annotations?.['helm.sh/hook'] === 'test');
  assert.ok(hook, 'a helm test hook Pod');
  assert.equal(hook.spec.restartPolicy, 'Never');
  assert.equal(hook.spec.serviceAccountName, pod.serviceAccountName, 'the gate\'s IRSA service account');
  assert.deepEqual(hook.spec.securityContext, pod.securityContext);
  const [doctor] = hook.spec.containers;
  assert.deepEqual(doctor.args, ['doctor', '--call', '--log-format', 'pretty']);
  assert.equal(doctor.image, gate.image);
  assert.deepEqual(doctor.env, gate.env, 'the same environment as the gate');
  assert.deepEqual(doctor.volumeMounts, gate.volumeMounts);
  assert.deepEqual(doctor.securityContext, gate.securityContext);
  assert.deepEqual(hook.spec.volumes, pod.volumes);
  const off = ok(renderCi({ args: ['--set', 'helmTest.enabled=false'] }));
  assert.equal(off.filter((d) => d.kind === 'Pod').length, 0);
  const skipped = ok(renderCi({ args: ['--skip-tests'] }));
  assert.equal(skipped.filter((d) => d.kind === 'Pod').length, 0, '--skip-tests leaves the hook out');
});

test('openshift: true leaves runAsUser, runAsGroup and fsGroup out of the pod (restricted-v2 assigns them), and nothing else', { skip }, () => {
  const plain = byKind(ok(renderCi()), 'Deployment').spec.template.spec;
  assert.equal(plain.securityContext.runAsUser, 65532);
  const docs = ok(renderCi({ args: ['--set', 'openshift=true'] }));
  const pod = byKind(docs, 'Deployment').spec.template.spec;
  const hook = docs.find((d) => d.kind === 'Pod');
  for (const sc of [pod.securityContext, hook.spec.securityContext]) {
    assert.deepEqual(sc, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  }
  for (const c of [...pod.initContainers, ...pod.containers, ...hook.spec.containers]) {
    assert.equal(c.securityContext.runAsUser, undefined, c.name);
    assert.equal(c.securityContext.runAsNonRoot, true, c.name);
  }
});
