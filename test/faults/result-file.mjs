// What every register run must leave behind, whatever went wrong: a complete result file
// that agrees with the exit code, the env file beside it, the same result on stdout, and
// nothing else in the directory (no temporary file from an interrupted write).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

const STATUSES = new Set(['ENTITLED', 'NOT_ENTITLED', 'GRACE', 'ERROR']);
const ERROR_EXIT = {
  INTERNAL: 1, CONFIG_INVALID: 2, PRODUCT_CODE_UNTRUSTED: 2, CUSTOMER_NOT_ENTITLED: 3, PLATFORM_NOT_SUPPORTED: 4, TOKEN_INVALID: 5,
  SERVICE_UNAVAILABLE: 6, REGION_UNRESOLVED: 7, INVALID_REGION: 7, CREDENTIALS_UNAVAILABLE: 8, ACCESS_DENIED: 8, PRODUCT_REJECTED: 9,
  OUTPUT_UNWRITABLE: 10,
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export function assertValidResult(run, outputDir, { code, errorCode, status }) {
  const where = `exit ${run.code}, stderr: ${run.stderr.slice(-1500)}`;
  assert.equal(run.code, code, where);
  const file = run.file;
  assert.ok(file, `entitlement.json was written (${where})`);
  assert.deepEqual(run.result, file, 'stdout carries the same result as the file');
  assert.deepEqual(readdirSync(outputDir).sort(), ['entitlement.env', 'entitlement.json'], 'only the two result files, no temporary leftovers');

  assert.equal(file.schemaVersion, 1);
  assert.ok(STATUSES.has(file.status), `status ${file.status}`);
  assert.equal(file.status, status);
  assert.equal(file.exitCode, code);
  assert.equal(file.errorCode, errorCode);
  assert.equal(file.entitled, status === 'ENTITLED');
  if (errorCode === null) {
    assert.equal(file.message, null);
    assert.equal(file.signatureVerified, true);
    assert.equal(typeof file.signature, 'string');
    assert.equal(typeof file.claims, 'object');
  } else {
    assert.equal(typeof file.message, 'string');
    assert.ok(file.message.length > 0);
    if (errorCode === 'TERMINATED') assert.ok([129, 130, 143].includes(code), `TERMINATED is exit 129, 130 or 143, got ${code}`);
    else if (status !== 'GRACE') assert.equal(ERROR_EXIT[errorCode], code, `${errorCode} is documented as exit ${ERROR_EXIT[errorCode]}`);
  }
  assert.equal(file.productCode, 'prod-test-1');
  assert.equal(file.publicKeyVersion, 1);
  assert.equal(typeof file.nonce, 'string');
  assert.ok(Number.isInteger(file.attempts) && file.attempts >= 0, `attempts ${file.attempts}`);
  assert.match(file.startedAt, ISO);
  assert.match(file.finishedAt, ISO);
  assert.ok(Number.isInteger(file.durationMs) && file.durationMs >= 0);
  assert.ok(Date.parse(file.finishedAt) >= Date.parse(file.startedAt));
  assert.match(file.gateVersion, /^\d+\.\d+\.\d+/);

  assert.match(run.envFile, new RegExp(`^METERING_GATE_STATUS='${status}'$`, 'm'));
  assert.match(run.envFile, new RegExp(`^METERING_GATE_EXIT_CODE='${code}'$`, 'm'));
  assert.match(run.envFile, new RegExp(`^METERING_GATE_ENTITLED='${status === 'ENTITLED'}'$`, 'm'));
  return file;
}
