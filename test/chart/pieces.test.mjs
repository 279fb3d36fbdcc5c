// Pieces for workloads that already exist: the metering-gate-lib library chart's named
// templates included from a `helm create`-style chart, the Kustomize component, and the
// plain-YAML Deployment. Each renders (Helm's engine; `kubectl kustomize`) and passes Pod
// Security "restricted"; test/container/workload-pieces.test.mjs runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { which } from '../../scripts/container/testlib.mjs';
import { chartDir, readYaml, render, renderer, repoRoot } from '../../scripts/chart/chartlib.mjs';
import { restrictedViolations } from '../../scripts/chart/pod-security.mjs';

const skip = renderer().skip;
const noKubectl = which('kubectl') ? false : 'kubectl is not installed here: the Kustomize component is not rendered (skipped)';
const lib = join(repoRoot, 'helm/metering-gate-lib');
const seller = join(repoRoot, 'test/fixtures/seller-chart');
const overlay = join(repoRoot, 'test/fixtures/kustomize-overlay');
const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
const pem = readYaml(join(chartDir, 'ci/e2e-values.yaml')).gate.publicKey.pem;
const ok = (r) => { assert.equal(r.status, 0, r.stderr); return r.docs; };
const deploymentPod = (docs) => docs.find((d) => d.kind === 'Deployment').spec.template.spec;
const renderSeller = (values = {}, args = []) => render({ chart: seller, release: 'shop', values: [{ meteringGate: { publicKey: { pem } } }, values], args });

test('the library chart: type library, the gate\'s version, the same templates the metering-gate chart uses', () => {
  const meta = readYaml(join(lib, 'Chart.yaml'));
  assert.equal(meta.type, 'library');
  assert.equal(meta.version, version);
  assert.equal(meta.appVersion, version);
  assert.equal(realpathSync(join(chartDir, 'templates/_metering-gate.tpl')), realpathSync(join(lib, 'templates/_metering-gate.tpl')),
    'one file: the chart links to the library\'s templates');
  assert.match(readFileSync(join(lib, 'templates/_metering-gate.tpl'), 'utf8'), new RegExp(`tag: "${version.replaceAll('.', '\\.')}"`),
    'the default tag is the gate\'s version (not the including chart\'s appVersion)');
});

test('included from a helm create-style chart: the gate keeps its own image, tag, hardening and resources; the pod passes Pod Security "restricted"', { skip }, (t) => {
  t.diagnostic(`rendered by ${renderer().name}`);
  const pod = deploymentPod(ok(renderSeller()));
  const [gate] = pod.initContainers;
  const [app] = pod.containers;
  assert.equal(gate.name, 'metering-gate');
  assert.equal(gate.image, `metering-gate:${version}`, 'not the seller\'s nginx, not the seller\'s appVersion 1.16.0');
  assert.equal(app.image, 'nginx:1.16.0');
  const env = Object.fromEntries(gate.env.map((e) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env.METERING_GATE_PRODUCT_CODE, 'mgtestproduct0123456789abc', 'meteringGate.productCode, not the seller\'s gate.productCode');
  assert.deepEqual(env.METERING_GATE_POD_UID, { fieldRef: { fieldPath: 'metadata.uid' } });
  assert.equal(gate.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(gate.resources, { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '250m', memory: '192Mi' } });
  assert.deepEqual(app.volumeMounts.find((m) => m.name === 'metering-gate-result'), { name: 'metering-gate-result', mountPath: '/var/run/metering-gate', readOnly: true });
  assert.deepEqual(restrictedViolations(pod), []);
  // With helm create's unhardened defaults the seller's container fails "restricted"; the gate
  // does not, since it never reads the seller's securityContext.
  const bare = deploymentPod(ok(renderSeller({ securityContext: null })));
  const violations = restrictedViolations({ ...bare, securityContext: {} });
  assert.ok(violations.some((v) => v.startsWith('container seller-app')), violations.join('\n'));
  assert.deepEqual(violations.filter((v) => v.startsWith('container metering-gate')), []);
});

test('the library\'s settings: overrides, openshift, checks naming meteringGate.*', { skip }, () => {
  const pod = deploymentPod(ok(renderSeller({ meteringGate: { image: { repository: '111122223333.dkr.ecr.us-east-1.amazonaws.com/metering-gate' },
    extraArgs: ['--log-level', 'debug'], openshift: true, securityContext: { readOnlyRootFilesystem: false } } })));
  const [gate] = pod.initContainers;
  assert.equal(gate.image, `111122223333.dkr.ecr.us-east-1.amazonaws.com/metering-gate:${version}`, 'the repository changes, the tag default stays');
  assert.deepEqual(gate.args, ['register', '--log-level', 'debug']);
  assert.equal(gate.securityContext.readOnlyRootFilesystem, false, 'a user\'s false wins over the default true');
  assert.deepEqual(gate.securityContext.capabilities, { drop: ['ALL'] }, 'the other defaults stay');
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, 'openshift: no runAsUser, runAsGroup, fsGroup');
  for (const [values, message] of [
    [{ meteringGate: { productCode: '' } }, /meteringGate\.productCode is required/],
    [{ meteringGate: { productCode: 'not a code!' } }, /meteringGate\.productCode "not a code!": 1-255 characters/],
    [{ meteringGate: { publicKeyVersion: 0 } }, /meteringGate\.publicKeyVersion 0: an integer >= 1/],
    [{ meteringGate: { onUnavailable: 'maybe' } }, /meteringGate\.onUnavailable "maybe": deny or allow/],
    [{ meteringGate: { publicKey: { pem: '' } } }, /meteringGate\.publicKey\.pem or meteringGate\.publicKey\.existingConfigMap is required/],
  ]) {
    const r = renderSeller(values);
    assert.notEqual(r.status, 0, JSON.stringify(values));
    assert.match(r.stderr, message);
  }
});

/** The gate container's fixed parts, which every piece must carry alike. */
const gateCore = (c) => ({ name: c.name, args: c.args, securityContext: c.securityContext, resources: c.resources,
  terminationMessagePath: c.terminationMessagePath, terminationMessagePolicy: c.terminationMessagePolicy,
  volumeMounts: c.volumeMounts, image: c.image });

test('Kustomize component: adds the gate to a Deployment, StatefulSet, Job and CronJob alike; the Deployment passes "restricted"', { skip: noKubectl || skip }, () => {
  const r = spawnSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
  const podOf = (d) => (d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.spec : d.spec.template.spec);
  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(d.kind));
  assert.deepEqual(workloads.map((d) => d.kind).sort(), ['CronJob', 'Deployment', 'Job', 'StatefulSet']);
  const settings = docs.find((d) => d.kind === 'ConfigMap' && d.data.METERING_GATE_PRODUCT_CODE);
  const key = docs.find((d) => d.kind === 'ConfigMap' && d.data['public-key.pem']);
  const libGate = deploymentPod(ok(renderSeller())).initContainers[0];
  const first = podOf(workloads[0]).initContainers[0];
  for (const w of workloads) {
    const pod = podOf(w);
    const gates = pod.initContainers.filter((c) => c.name === 'metering-gate');
    assert.equal(gates.length, 1, w.kind);
    assert.deepEqual(gates[0], first, `${w.kind}: the same gate container`);
    assert.deepEqual(gates[0].envFrom, [{ configMapRef: { name: settings.metadata.name } }], `${w.kind}: settings from the generated ConfigMap`);
    assert.deepEqual(pod.volumes.find((v) => v.name === 'metering-gate-public-key').configMap.name, key.metadata.name);
    const [app] = pod.containers;
    assert.deepEqual(app.volumeMounts.at(-1), { name: 'metering-gate-result', mountPath: '/var/run/metering-gate', readOnly: true }, `${w.kind}: read-only`);
    assert.ok(app.env.some((e) => e.name === 'METERING_GATE_POD_UID' && e.valueFrom?.fieldRef?.fieldPath === 'metadata.uid'), w.kind);
  }
  assert.deepEqual(gateCore(first), gateCore(libGate), 'the component\'s gate is the library\'s gate');
  const shop = podOf(workloads.find((w) => w.kind === 'Deployment'));
  assert.equal(shop.containers[0].env[0].name, 'SHOP_MODE', 'the workload\'s own env stays');
  assert.ok(shop.volumes.some((v) => v.name === 'cache'), 'the workload\'s own volumes stay');
  assert.deepEqual(restrictedViolations(shop), []);
  const component = join(repoRoot, 'kustomize/metering-gate');
  assert.deepEqual(readYaml(join(component, 'gate-cronjob.yaml')).spec.jobTemplate.spec, readYaml(join(component, 'gate.yaml')).spec,
    'gate-cronjob.yaml is gate.yaml one level deeper');
});

test('plain YAML: the Deployment passes "restricted" and carries the library\'s gate', { skip }, () => {
  const docs = YAML.parseAllDocuments(readFileSync(join(repoRoot, 'kubernetes/metering-gate-deployment.yaml'), 'utf8')).map((d) => d.toJS());
  const pod = deploymentPod(docs);
  assert.deepEqual(restrictedViolations(pod), []);
  const libPod = deploymentPod(ok(renderSeller()));
  assert.deepEqual(gateCore(pod.initContainers[0]), gateCore(libPod.initContainers[0]));
  assert.deepEqual(pod.volumes[0], libPod.volumes[0]);
  assert.deepEqual(pod.containers[0].volumeMounts, libPod.containers[0].volumeMounts);
  assert.deepEqual(pod.containers[0].env, libPod.containers[0].env);
  assert.deepEqual(pod.securityContext, libPod.securityContext);
});
