// The one duration reader of the CLI and the library: units required, ranges enforced, and
// formatting that never rounds (issue 11, case 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { parseDuration, formatDuration, readDurationValue } = await importSource('config/duration');
const range = { minMs: 100, maxMs: 3_600_000 };

test('every unit and their combinations, largest first', () => {
  const cases = { '500ms': 500, '10s': 10_000, '5m': 300_000, '1h': 3_600_000, '2d': 172_800_000, '1m30s': 90_000, '1h2m3s4ms': 3_723_004, ' 10S ': 10_000, '0': 0, '0s': 0 };
  for (const [text, ms] of Object.entries(cases)) assert.deepEqual(parseDuration(text), { ok: true, ms }, text);
});

test('a bare number is refused (except 0), and so are other shapes', () => {
  assert.deepEqual(parseDuration('30'), { ok: false, problem: 'no-unit' });
  for (const text of ['', '5 minutes', '-1s', '1.5s', '30s1m', 's', '1ms1s', '10sec']) assert.deepEqual(parseDuration(text), { ok: false, problem: 'malformed' }, text);
  assert.deepEqual(parseDuration('99999999999999999999h'), { ok: false, problem: 'too-large' });
});

test('formatting is exact and reads back', () => {
  const cases = { 0: '0', 1: '1ms', 999: '999ms', 1_000: '1s', 1_500: '1s500ms', 90_000: '1m30s', 900_000: '15m', 3_600_000: '1h', 86_400_000: '1d', 3_723_004: '1h2m3s4ms' };
  for (const [ms, text] of Object.entries(cases)) {
    assert.equal(formatDuration(Number(ms)), text);
    assert.deepEqual(parseDuration(text), { ok: true, ms: Number(ms) });
  }
});

test('out of range: exit 2, naming the input and the range', () => {
  for (const value of ['597h', '1200h', '99ms', '2h']) {
    assert.throws(
      () => readDurationValue(value, { name: '--attempt-timeout', range }),
      (error) => error.code === 'CONFIG_INVALID' && error.exitCode === 2 && error.message === `invalid --attempt-timeout "${value}": must be from 100ms to 1h` && error.hint.includes('from 100ms to 1h'),
    );
  }
  assert.equal(readDurationValue('1h', { name: '--attempt-timeout', range }), 3_600_000);
  assert.equal(readDurationValue('100ms', { name: '--attempt-timeout', range }), 100);
});

test('a unitless value says which units would do, under the name the caller gave', () => {
  assert.throws(() => readDurationValue('30', { name: 'wait', range: { minMs: 0, maxMs: 86_400_000 } }), (error) => {
    assert.equal(error.message, 'invalid wait "30": a duration needs a unit (30ms, 30s, 30m or 30h), from 0 to 1d');
    assert.match(error.hint, /30s for seconds/);
    return true;
  });
});

test('numbers (the library) are milliseconds, whole and in range', () => {
  assert.equal(readDurationValue(30_000, { name: 'wait', range }), 30_000);
  for (const value of [1.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 5_000_000]) {
    assert.throws(() => readDurationValue(value, { name: 'wait', range }), /^GateError: invalid wait .*: must be/);
  }
});
