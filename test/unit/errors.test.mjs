// Every failure names its fix: each code of the exit-code table has a hint (issue 11, case 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importSource } from '../helpers/src-module.mjs';

const { EXIT_CODES, DEFAULT_HINTS, GateError } = await importSource('errors');

test('every code in the exit-code table carries a hint, unless the failure brings its own', () => {
  const codes = Object.keys(EXIT_CODES);
  assert.ok(codes.length >= 15, 'the whole table');
  assert.deepEqual(Object.keys(DEFAULT_HINTS).sort(), [...codes].sort());
  for (const code of codes) {
    const error = new GateError(code, 'something failed');
    assert.equal(typeof error.hint, 'string', code);
    assert.ok(error.hint.length > 30, `${code}: ${error.hint}`);
    assert.equal(error.exitCode, EXIT_CODES[code]);
    assert.equal(new GateError(code, 'x', { hint: 'a specific fix' }).hint, 'a specific fix');
  }
});

test('the README documents every code of the table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## Result files'));
  for (const code of Object.keys(EXIT_CODES)) assert.match(table, new RegExp(`\`${code}\``), code);
});

test('a failure carries its reason and facts; its message and hint are built from them', async () => {
  const { describeFailure, HOP_LIMIT_HINT, toGateError, terminated } = await importSource('errors');
  const unresolved = new GateError('REGION_UNRESOLVED', { reason: 'region-unresolved', tried: ['AWS_REGION (not set)', 'IMDSv2 (timeout)'], imdsTokenUnanswered: true });
  assert.equal(unresolved.reason, 'region-unresolved');
  assert.deepEqual(unresolved.detail.tried, ['AWS_REGION (not set)', 'IMDSv2 (timeout)']);
  assert.equal(unresolved.message, 'could not determine the AWS region; tried: AWS_REGION (not set); IMDSv2 (timeout)');
  assert.equal(unresolved.message, describeFailure(unresolved.detail));
  assert.equal(unresolved.hint, HOP_LIMIT_HINT);
  const noImds = new GateError('REGION_UNRESOLVED', { reason: 'region-unresolved', tried: [], imdsTokenUnanswered: false });
  assert.notEqual(noImds.hint, HOP_LIMIT_HINT);

  const words = new GateError('CONFIG_INVALID', 'free text');
  assert.deepEqual(words.detail, { reason: 'described', text: 'free text' });
  assert.equal(words.message, 'free text');

  const setting = new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: '--deadline', shownValue: '"30"', allowed: 'needs a unit' });
  assert.equal(setting.message, 'invalid --deadline "30": needs a unit');
  const stopped = terminated('SIGINT');
  assert.deepEqual([stopped.reason, stopped.detail.signal, stopped.exitCode], ['terminated', 'SIGINT', 130]);
  const bug = toGateError(new TypeError('x is undefined'));
  assert.deepEqual([bug.code, bug.reason, bug.detail.problem], ['INTERNAL', 'unexpected', 'x is undefined']);
});
