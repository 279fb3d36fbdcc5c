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
