// Claim lookup without regard to case, and the version as a number or a numeric string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { claimLookup, versionMatches } = await importSource('verify/claims');

test('claims are found in any casing; absent ones are reported absent', () => {
  const claim = claimLookup({ ProductCode: 'p', nonce: 'n', IAT: 5 });
  assert.deepEqual(claim('productCode'), { present: true, value: 'p', conflict: false });
  assert.deepEqual(claim('iat'), { present: true, value: 5, conflict: false });
  assert.deepEqual(claim('publicKeyVersion'), { present: false, value: undefined, conflict: false });
});

test('the same claim twice: equal values are fine, different values are a conflict', () => {
  assert.equal(claimLookup({ productCode: 'p', ProductCode: 'p' })('productcode').conflict, false);
  assert.equal(claimLookup({ productCode: 'p', ProductCode: 'q' })('productCode').conflict, true);
});

test('versionMatches: numbers and numeric strings, nothing else', () => {
  assert.equal(versionMatches(1, 1), true);
  assert.equal(versionMatches('1', 1), true);
  assert.equal(versionMatches(' 7 ', 7), true);
  assert.equal(versionMatches(2, 1), false);
  for (const value of ['1.0', '0x1', '', null, undefined, true, [1], '1e0']) assert.equal(versionMatches(value, 1), false, JSON.stringify(value));
});
