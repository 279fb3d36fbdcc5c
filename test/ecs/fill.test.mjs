// ecs-task-defs/fill.sh, run as the README runs it: every placeholder filled and JSON-escaped
// (the PEM key as it is), and a refusal with nothing on stdout for an unset or empty variable,
// an unknown placeholder or an architecture Fargate does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/container/testlib.mjs';

const dir = join(repoRoot, 'ecs-task-defs');
const fill = join(dir, 'fill.sh');
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = publicKey.export({ type: 'spki', format: 'pem' });

const FULL = {
  FAMILY: 'my-product', ACCOUNT_ID: '111122223333', REGION: 'us-east-1',
  TASK_ROLE_NAME: 'metering-gate-task', EXECUTION_ROLE_NAME: 'ecsTaskExecutionRole',
  GATE_IMAGE: '111122223333.dkr.ecr.us-east-1.amazonaws.com/metering-gate:0.1.0',
  APP_IMAGE: '111122223333.dkr.ecr.us-east-1.amazonaws.com/my-product:1.0',
  PRODUCT_CODE: 'cqcvf9f0ugw8rkbgmf1c9dxyz', PUBLIC_KEY_VERSION: '1', PUBLIC_KEY: PEM,
  LOG_GROUP: '/ecs/my-product', CPU_ARCHITECTURE: 'ARM64',
};

/** Run fill.sh with exactly these variables (nothing inherited but PATH). */
function run(template, vars) {
  const env = { PATH: process.env.PATH, ...vars };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return spawnSync(fill, [template], { encoding: 'utf8', env });
}

const gateEnv = (td) => Object.fromEntries(td.containerDefinitions.find((c) => c.name === 'metering-gate').environment.map((e) => [e.name, e.value]));

for (const file of ['fargate.json', 'ec2.json']) {
  test(`${file}: every placeholder filled, the PEM key kept exactly, nothing else changed`, () => {
    const r = run(join(dir, file), FULL);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /\$\{/);
    const td = JSON.parse(r.stdout);
    assert.equal(td.family, 'my-product');
    assert.equal(td.taskRoleArn, 'arn:aws:iam::111122223333:role/metering-gate-task');
    const env = gateEnv(td);
    assert.equal(env.METERING_GATE_PUBLIC_KEY, PEM, 'the multi-line PEM survives as the same string');
    assert.equal(env.METERING_GATE_PRODUCT_CODE, 'cqcvf9f0ugw8rkbgmf1c9dxyz');
    // Filling is the only change: the same as substituting JSON-escaped values into the text.
    const text = readFileSync(join(dir, file), 'utf8');
    assert.deepEqual(td, JSON.parse(text.replace(/\$\{([A-Z_]+)\}/g, (_, name) => JSON.stringify(FULL[name]).slice(1, -1))));
    if (file === 'fargate.json') assert.equal(td.runtimePlatform.cpuArchitecture, 'ARM64');
  });
}

test('the trust policy needs only ACCOUNT_ID', () => {
  const r = run(join(dir, 'task-role-trust-policy.json'), { ACCOUNT_ID: '111122223333' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).Statement[0].Condition.StringEquals['aws:SourceAccount'], '111122223333');
});

for (const [what, change, pattern] of [
  ['an unset variable', { FAMILY: undefined }, /needs FAMILY: unset or empty/],
  ['an empty variable', { PRODUCT_CODE: '' }, /needs PRODUCT_CODE: unset or empty/],
  ['two missing variables, both named', { PRODUCT_CODE: '', LOG_GROUP: undefined }, /needs LOG_GROUP PRODUCT_CODE: unset or empty/],
  ['an architecture Fargate does not have', { CPU_ARCHITECTURE: 'arm64' }, /CPU_ARCHITECTURE is 'arm64'; allowed: X86_64 \(Intel\/AMD\) or ARM64/],
]) {
  test(`fargate.json with ${what}: exit 2, one line naming it, nothing on stdout`, () => {
    const r = run(join(dir, 'fargate.json'), { ...FULL, ...change });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
}

test('a placeholder outside the list (a typo) is refused, not filled with nothing', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mg-fill-'));
  const template = join(tmp, 'typo.json');
  writeFileSync(template, '{ "family": "${FAMLY}", "x": "${FAMILY}" }\n');
  const r = run(template, { ...FULL, FAMLY: 'set anyway' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /uses \$\{FAMLY\}, which is not one of: FAMILY /);
});

test('quotes, backslashes and tabs in a value come out as the same JSON string', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mg-fill-'));
  const template = join(tmp, 't.json');
  writeFileSync(template, '{ "family": "${FAMILY}", "account": "${ACCOUNT_ID}" }\n');
  const tricky = 'a "quoted" \\ back\tslash $HOME ${NOT_EXPANDED} &';
  const r = run(template, { FAMILY: tricky, ACCOUNT_ID: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { family: tricky, account: '1' });
});

test('the READMEs fill templates with fill.sh, never envsubst, and create the log group', () => {
  for (const readme of [join(repoRoot, 'README.md'), join(dir, 'README.md')]) {
    const text = readFileSync(readme, 'utf8');
    assert.doesNotMatch(text, /envsubst\s*</, `${readme} pipes a template through envsubst`);
    assert.match(text, /ecs-task-defs\/fill\.sh ecs-task-defs\/fargate\.json > /, readme);
    assert.match(text, /aws logs create-log-group --log-group-name/, readme);
  }
});
