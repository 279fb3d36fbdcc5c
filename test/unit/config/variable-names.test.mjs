// Unknown METERING_GATE_* variables are warned about with the nearest known name (issue 11, case 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSource } from '../../helpers/src-module.mjs';

const { nearest, knownGateVariables, unknownVariableWarnings } = await importSource('config/variable-names');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('the nearest known name: typos, lost separators, cut-off names; nothing for strangers', () => {
  const known = knownGateVariables();
  const cases = {
    METERING_GATE_ENDPOINT: 'METERING_GATE_ENDPOINT_URL',
    METERING_GATE_PRODUCTCODE: 'METERING_GATE_PRODUCT_CODE',
    METERING_GATE_PRODCUT_CODE: 'METERING_GATE_PRODUCT_CODE',
    METERING_GATE_PUBLIC_KEY_PATH: 'METERING_GATE_PUBLIC_KEY_FILE',
    METERING_GATE_MAX_AGE: 'METERING_GATE_MAX_TOKEN_AGE',
    METERING_GATE_OUTPUTDIR: 'METERING_GATE_OUTPUT_DIR',
    METERING_GATE_DEADLNE: 'METERING_GATE_DEADLINE',
    METERING_GATE_LOGLEVEL: 'METERING_GATE_LOG_LEVEL',
    METERING_GATE_COFFEE: null,
  };
  for (const [name, expected] of Object.entries(cases)) assert.equal(nearest(name, known, 'METERING_GATE_'), expected, name);
  assert.equal(nearest('regster', ['register', 'verify', 'exec', 'doctor', 'emulator']), 'register');
  assert.equal(nearest('xyz', ['register', 'verify']), null);
});

test('only unknown METERING_GATE_* names, sorted, without their values', () => {
  const warnings = unknownVariableWarnings({ METERING_GATE_PRODUCT_CODE: 'x', METERING_GATE_B: 'secret', AWS_REGION: 'us-east-1', METERING_GATE_A: 'secret' });
  assert.deepEqual(warnings.map((line) => line.split(' ')[3]), ['METERING_GATE_A', 'METERING_GATE_B']);
  assert.ok(warnings.every((line) => !line.includes('secret')));
});

test('every METERING_GATE_* name the gate reads, the chart and the task definitions set is known', () => {
  const known = knownGateVariables();
  const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
  const names = new Set();
  for (const dir of ['src', 'helm', 'ecs-task-defs']) {
    for (const file of files(join(ROOT, dir))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bMETERING_GATE_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(match[0]);
    }
  }
  const unknown = [...names].filter((name) => !known.has(name));
  assert.deepEqual(unknown, [], 'add these to an option table or OTHER_GATE_VARIABLES in src/config/variable-names.ts, or the gate warns about them');
  assert.ok(names.size > 20);
});
