// parseRegisterConfig: flag before env var, env vars in the table's order, defaults from the
// option table, refusals with the failing setting as data, and library names for library calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { importSource } from '../../helpers/src-module.mjs';

const { parseRegisterConfig, DEFAULT_OUTPUT_DIR } = await importSource('config/register-config');
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
const base = { METERING_GATE_PRODUCT_CODE: 'prod-1', METERING_GATE_PUBLIC_KEY: pem, HOME: '/nonexistent/home' };

function refusal(flags, env, names) {
  try {
    parseRegisterConfig(flags, env, names);
  } catch (error) {
    return error;
  }
  assert.fail('expected a refusal');
}

test('defaults come from the option table; the nonce is a fresh UUIDv4 each time unless given', () => {
  const first = parseRegisterConfig({}, base);
  assert.deepEqual(
    [first.productCode, first.publicKeyVersion, first.deadlineMs, first.attemptTimeoutMs, first.maxTokenAgeMs, first.clockSkewMs, first.onUnavailable, first.outputDir, first.regionOverride, first.endpointUrl],
    ['prod-1', 1, 300_000, 10_000, 900_000, 120_000, 'deny', DEFAULT_OUTPUT_DIR, null, null],
  );
  assert.equal(first.publicKey.bits, 2048);
  assert.match(first.nonce, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(first.nonceIsExplicit, false);
  assert.notEqual(parseRegisterConfig({}, base).nonce, first.nonce);
  assert.deepEqual(first.terminationLog, { path: '/dev/termination-log', explicit: false });
  const given = parseRegisterConfig({ nonce: 'n-1' }, base);
  assert.deepEqual([given.nonce, given.nonceIsExplicit], ['n-1', true]);
});

test('a flag wins over its env var; env vars are read in the table\'s order; an empty one is unset', () => {
  const env = { ...base, METERING_GATE_DEADLINE: '1m', AWS_ENDPOINT_URL: 'http://generic.example', AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'http://metering.example', METERING_GATE_ENDPOINT_URL: '' };
  const config = parseRegisterConfig({ deadline: '90s' }, env);
  assert.equal(config.deadlineMs, 90_000);
  assert.equal(config.endpointUrl, 'http://metering.example');
  assert.equal(parseRegisterConfig({}, env).deadlineMs, 60_000);
  assert.equal(parseRegisterConfig({ endpointUrl: 'http://flag.example' }, env).endpointUrl, 'http://flag.example');
});

test('refusals carry the setting as data and name it as the caller knows it', () => {
  const fromEnv = refusal({}, { ...base, METERING_GATE_ON_UNAVAILABLE: 'maybe' });
  assert.equal(fromEnv.code, 'CONFIG_INVALID');
  assert.deepEqual([fromEnv.reason, fromEnv.detail.setting, fromEnv.detail.shownValue], ['setting-invalid', 'METERING_GATE_ON_UNAVAILABLE', '"maybe"']);
  assert.equal(fromEnv.message, 'invalid METERING_GATE_ON_UNAVAILABLE "maybe": must be deny or allow');

  const flag = refusal({ deadline: '30' }, base);
  assert.equal(flag.detail.setting, '--deadline');
  const library = refusal({ deadline: '30' }, base, 'library');
  assert.equal(library.detail.setting, 'deadline');
  assert.match(library.message, /^invalid deadline "30": /);

  const missing = refusal({}, { HOME: '/nonexistent/home' });
  assert.deepEqual([missing.reason, missing.detail.setting, missing.detail.alternatives], ['setting-missing', '--product-code', ['METERING_GATE_PRODUCT_CODE']]);
  assert.equal(refusal({}, { HOME: '/nonexistent/home' }, 'library').detail.setting, 'productCode');
});

test('only a command line can swallow the next flag: "--…" is refused as a flag value, taken as it is from the library', () => {
  const swallowed = refusal({ nonce: '--public-key-file' }, base);
  assert.match(swallowed.message, /^invalid --nonce "--public-key-file": that is an option, not a value/);
  assert.equal(parseRegisterConfig({ nonce: '--a-nonce' }, base, 'library').nonce, '--a-nonce');
});

test('the public key: required unless verification is skipped; a trusted list refuses other codes before AWS', () => {
  const noKey = refusal({}, { METERING_GATE_PRODUCT_CODE: 'prod-1', HOME: '/nonexistent/home' });
  assert.match(noKey.message, /^missing public key: set --public-key-file or --public-key/);
  const skipped = parseRegisterConfig({ skipSignatureVerification: true }, { METERING_GATE_PRODUCT_CODE: 'prod-1', HOME: '/nonexistent/home' });
  assert.equal(skipped.publicKey, null);

  const untrusted = refusal({ trustedProductCodes: 'other-1,other-2' }, base);
  assert.deepEqual([untrusted.code, untrusted.exitCode], ['PRODUCT_CODE_UNTRUSTED', 2]);
  assert.match(untrusted.message, /product code "prod-1" from METERING_GATE_PRODUCT_CODE is not in the trusted list \(other-1, other-2\)/);
  assert.equal(parseRegisterConfig({ trustedProductCodes: 'other-1, prod-1' }, base).productCode, 'prod-1');
});
