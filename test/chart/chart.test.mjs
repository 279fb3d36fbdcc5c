// The Helm chart: its values schema (checked with a JSON Schema validator, as helm does), its
// structure, the checked-in rendering used where helm is missing, and `helm lint` /
// `helm template` when helm is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { repoRoot, which, contractEnvNames } from '../../scripts/container/testlib.mjs';

const chart = join(repoRoot, 'helm/metering-gate');
const ciValues = join(chart, 'ci/e2e-values.yaml');
const fixture = join(repoRoot, 'test/fixtures/chart-rendered-e2e.yaml');
const readYaml = (p) => YAML.parse(readFileSync(p, 'utf8'));
const defaults = readYaml(join(chart, 'values.yaml'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')));
const helm = which('helm');
const noHelm = helm ? false : 'helm is not installed here (and cannot be installed on this machine): skipped';

/** Helm's merge of user values over the defaults: maps merge, everything else replaces. */
function merge(base, over) {
  if (!over || typeof over !== 'object' || Array.isArray(over) || !base || typeof base !== 'object' || Array.isArray(base)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}
const withValues = (over) => merge(structuredClone(defaults), over);
const errorsOf = (values) => (validate(values) ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`));

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
  const helpers = readFileSync(join(chart, 'templates/_helpers.tpl'), 'utf8');
  for (const name of ['initContainer', 'volumes', 'volumeMount', 'publicKeyConfigMap']) {
    assert.match(helpers, new RegExp(`define "metering-gate\\.${name}"`), `named template metering-gate.${name}`);
  }
});

test('values schema: accepts the defaults and the test values', () => {
  assert.deepEqual(errorsOf(defaults), []);
  assert.deepEqual(errorsOf(withValues(readYaml(ciValues))), []);
  assert.deepEqual(errorsOf(withValues({ gate: { productCode: 'cqcvf9f0ugw8rkbgmf1c9dxyz', publicKeyVersion: 3, trustedProductCodes: ['a-b_c:1'] } })), []);
  assert.deepEqual(errorsOf(withValues({ serviceAccount: { create: false, name: 'existing-irsa-sa' } })), []);
});

test('values schema: rejects a bad product code', () => {
  for (const productCode of ['not a code!', 'x'.repeat(256), 'semi;colon']) {
    assert.notDeepEqual(errorsOf(withValues({ gate: { productCode } })), [], `productCode ${JSON.stringify(productCode).slice(0, 40)}`);
  }
});

test('values schema: rejects a public key version of 0 (and other non-integers >= 1)', () => {
  for (const publicKeyVersion of [0, -1, 1.5, '1']) {
    assert.notDeepEqual(errorsOf(withValues({ gate: { publicKeyVersion } })), [], `publicKeyVersion ${publicKeyVersion}`);
  }
});

test('values schema: rejects an unknown top-level key, and unknown keys below', () => {
  assert.match(errorsOf(withValues({ replicas: 2 })).join('\n'), /additional properties/);
  assert.notDeepEqual(errorsOf(withValues({ gate: { productcode: 'typo' } })), []);
});

test('values schema: other refusals (reused ServiceAccount without a name or with a role, bad enums, bad durations)', () => {
  const bad = {
    'reuse without name': { serviceAccount: { create: false, name: '' } },
    'reuse with roleArn': { serviceAccount: { create: false, name: 'x', roleArn: 'arn:aws:iam::111122223333:role/r' } },
    'bad roleArn': { serviceAccount: { roleArn: 'my-role' } },
    'onUnavailable': { gate: { onUnavailable: 'maybe' } },
    'deadline': { gate: { deadline: 'five minutes' } },
    'pem': { gate: { publicKey: { pem: 'not a pem' } } },
  };
  for (const [what, values] of Object.entries(bad)) assert.notDeepEqual(errorsOf(withValues(values)), [], what);
});

// The rendering checked in for machines without helm must say what the templates say.
const docs = YAML.parseAllDocuments(readFileSync(fixture, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const byKind = (kind) => docs.find((d) => d.kind === kind);

test('rendering: gate init container hardened, env from the contract, termination message, small resources', () => {
  const ci = withValues(readYaml(ciValues));
  const pod = byKind('Deployment').spec.template.spec;
  assert.equal(pod.initContainers.length, 1);
  const [gate] = pod.initContainers;
  assert.equal(gate.name, 'metering-gate');
  assert.equal(gate.image, `${ci.image.repository}:${ci.image.tag}`);
  assert.deepEqual(gate.args, ['register']);
  assert.equal(gate.terminationMessagePolicy, 'FallbackToLogsOnError');
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
});

test('rendering: the app mounts the result read-only; one shared volume; the key from the ConfigMap; IRSA ServiceAccount', () => {
  const ci = withValues(readYaml(ciValues));
  const pod = byKind('Deployment').spec.template.spec;
  const [gate] = pod.initContainers;
  const [app] = pod.containers;
  const result = pod.volumes.find((v) => v.name === 'metering-gate-result');
  assert.ok(result.emptyDir, 'the result volume is an emptyDir');
  assert.deepEqual(gate.volumeMounts.find((m) => m.name === result.name), { name: result.name, mountPath: ci.gate.outputDir });
  assert.deepEqual(app.volumeMounts.find((m) => m.name === result.name), { name: result.name, mountPath: ci.gate.outputDir, readOnly: true });
  assert.deepEqual(app.securityContext, ci.securityContext);
  const keyVolume = pod.volumes.find((v) => v.configMap);
  const cm = byKind('ConfigMap');
  assert.equal(keyVolume.configMap.name, cm.metadata.name);
  assert.equal(cm.data[ci.gate.publicKey.configMapKey], ci.gate.publicKey.pem);
  const keyMount = gate.volumeMounts.find((m) => m.name === keyVolume.name);
  assert.equal(keyMount.readOnly, true);
  assert.equal(gate.env.find((e) => e.name === 'METERING_GATE_PUBLIC_KEY_FILE').value, `${keyMount.mountPath}/${ci.gate.publicKey.configMapKey}`);
  const sa = byKind('ServiceAccount');
  assert.equal(pod.serviceAccountName, sa.metadata.name);
  assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], ci.serviceAccount.roleArn);
  assert.deepEqual(app.command, ci.app.command);
  assert.deepEqual(app.args, ci.app.args);
});

function runHelm(args) {
  return spawnSync('helm', args, { encoding: 'utf8', cwd: repoRoot });
}

test('helm lint (with the test values; and the defaults fail only for the missing product code)', { skip: noHelm }, () => {
  const lint = runHelm(['lint', chart, '-f', ciValues]);
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  const bare = runHelm(['template', 'x', chart]);
  assert.notEqual(bare.status, 0);
  assert.match(bare.stderr, /gate\.productCode is required/);
});

test('helm template matches the checked-in rendering', { skip: noHelm }, () => {
  const r = runHelm(['template', 'metering-gate', chart, '-f', ciValues]);
  assert.equal(r.status, 0, r.stderr);
  const rendered = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
  const key = (d) => `${d.kind}/${d.metadata.name}`;
  const sort = (list) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(sort(rendered), sort(docs),
    'test/fixtures/chart-rendered-e2e.yaml is out of date: regenerate it with the command in its header');
});

test('helm template: reused ServiceAccount is not created; existing ConfigMap is used; workload can be turned off', { skip: noHelm }, () => {
  const base = ['template', 'metering-gate', chart, '-f', ciValues];
  const reuse = runHelm([...base, '--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=mine', '--set', 'serviceAccount.roleArn=']);
  assert.equal(reuse.status, 0, reuse.stderr);
  const rd = YAML.parseAllDocuments(reuse.stdout).map((d) => d.toJS()).filter(Boolean);
  assert.equal(rd.filter((d) => d.kind === 'ServiceAccount').length, 0);
  assert.equal(rd.find((d) => d.kind === 'Deployment').spec.template.spec.serviceAccountName, 'mine');
  const both = runHelm([...base, '--set', 'serviceAccount.create=false']);
  assert.notEqual(both.status, 0, 'create=false without a name is refused');
  const cm = runHelm([...base, '--set', 'gate.publicKey.existingConfigMap=their-key']);
  const cd = YAML.parseAllDocuments(cm.stdout).map((d) => d.toJS()).filter(Boolean);
  assert.equal(cd.filter((d) => d.kind === 'ConfigMap').length, 0);
  assert.ok(cd.find((d) => d.kind === 'Deployment').spec.template.spec.volumes.some((v) => v.configMap?.name === 'their-key'));
  const off = runHelm([...base, '--set', 'workload.enabled=false']);
  assert.equal(YAML.parseAllDocuments(off.stdout).map((d) => d.toJS()).filter((d) => d?.kind === 'Deployment').length, 0);
});
