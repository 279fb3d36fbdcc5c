// entitlement.env: every value survives `sh` sourcing it exactly, whatever it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { importSource } from '../../helpers/src-module.mjs';

const { shellQuote, formatEnvFile, resultVariables } = await importSource('result/env-file');

test('shellQuote: single quotes, with embedded quotes closed and escaped', () => {
  assert.equal(shellQuote('plain'), "'plain'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote(''), "''");
});

test('sh reads back exactly what was written, hostile values included', () => {
  const values = { A: "it's $(rm -rf /) `x` \\ \" ; | & \n second line", B: '', C: '\u00e9\u4e2d', D: "'''" };
  const script = `${formatEnvFile(values)}printf '%s\\0' "$A" "$B" "$C" "$D"`;
  const run = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.split('\0').slice(0, 4), Object.values(values));
});

test('resultVariables: the contract\'s variables from a result, empty strings for nulls', () => {
  const result = {
    status: 'ERROR', entitled: false, exitCode: 7, errorCode: 'REGION_UNRESOLVED', productCode: 'p', publicKeyVersion: null,
    nonce: null, region: null, platform: 'unknown', signatureVerified: false,
  };
  const variables = resultVariables(result, '/out/entitlement.json');
  assert.equal(variables.METERING_GATE_STATUS, 'ERROR');
  assert.equal(variables.METERING_GATE_ENTITLED, 'false');
  assert.equal(variables.METERING_GATE_EXIT_CODE, '7');
  assert.equal(variables.METERING_GATE_ERROR_CODE, 'REGION_UNRESOLVED');
  assert.equal(variables.METERING_GATE_PUBLIC_KEY_VERSION, '');
  assert.equal(variables.METERING_GATE_REGION, '');
  assert.equal(variables.METERING_GATE_RESULT_FILE, '/out/entitlement.json');
});
