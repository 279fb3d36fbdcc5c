// --help's exit-code lists come from the one table of codes (src/errors.ts), so none is left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, baseEnv, runGate } from '../helpers/gate.mjs';

const { EXIT_CODES } = await import(join(ROOT, 'dist', 'lib.mjs'));

function exitList(help) {
  const text = /Exit codes: ([\s\S]*?)\.(\n\n|\n?$)/.exec(help)?.[1];
  assert.ok(text, `an exit-code list in:\n${help}`);
  return new Set([...text.replace(/\s+/g, ' ').matchAll(/(?:^|, )(\d+(?:\/\d+)*) /g)].flatMap((match) => match[1].split('/').map(Number)));
}

test('register --help lists every exit code register can end with, 1 included', async () => {
  const run = await runGate(['register', '--help'], { env: baseEnv() });
  assert.equal(run.code, 0);
  const listed = exitList(run.stdout);
  const expected = new Set([0, 129, 130, ...Object.entries(EXIT_CODES).filter(([code]) => code !== 'RESULT_MISSING').map(([, exit]) => exit)]);
  assert.deepEqual([...listed].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
});

test('verify --help lists 0, 1, 2, 3, 5 and 11, and says a failed registration keeps its code', async () => {
  const run = await runGate(['verify', '--help'], { env: baseEnv() });
  assert.equal(run.code, 0);
  const listed = exitList(run.stdout);
  for (const exit of [0, 1, 2, 3, 5, 11]) assert.ok(listed.has(exit), `exit ${exit} listed`);
  assert.ok(!listed.has(4), 'verify never exits 4 for a reason of its own');
  assert.match(run.stdout.replace(/\s+/g, ' '), /the code that registration exited with/);
});
