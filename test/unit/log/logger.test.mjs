// The logger: pino's JSON lines on stderr, the same shape as before pino (level number, ISO
// time, fields, msg; no pid or hostname), secrets redacted, and a human format for terminals
// in which text from outside cannot steer the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importSource } from '../../helpers/src-module.mjs';
import { tempDir } from '../../helpers/gate.mjs';

const { escapeControl, prettyLine } = await importSource('log/logger');

test('escapeControl: control characters and bidi overrides become visible escapes', () => {
  assert.equal(escapeControl('plain text, üñï'), 'plain text, üñï');
  assert.equal(escapeControl('a\nb\rc\td'), 'a\\nb\\rc\\td');
  assert.equal(escapeControl('\u001b[2J\u0007'), '\\x1b[2J\\x07');
  assert.equal(escapeControl('\u009b31m'), '\\x9b31m');
  assert.equal(escapeControl('abc\u202edcba'), 'abc\\u202edcba');
});

test('prettyLine: level name, message, fields; escapes in all three', () => {
  const line = JSON.stringify({ level: 40, time: '2026-01-01T00:00:00.000Z', errorCode: 'X', file: '/tmp/\u001b[31mred', msg: 'refused\u001b[2J' });
  assert.equal(prettyLine(line), 'WARN  refused\\x1b[2J  errorCode=X file=/tmp/\\x1b[31mred\n');
  assert.equal(prettyLine(JSON.stringify({ level: 30, time: 't', n: 1, o: { a: '\n' } })), 'INFO    n=1 o={"a":"\\n"}\n');
  assert.equal(prettyLine('not json \u001b]0;title\u0007'), 'not json \\x1b]0;title\\x07\n');
});

/** Runs createLogger in a process of its own and returns what it wrote to stderr. */
function logIn(format, body, { prepared = false } = {}) {
  const dir = tempDir('gate-logger-');
  const script = join(dir, 'run.mjs');
  writeFileSync(
    script,
    `import { importSource } from ${JSON.stringify(new URL('../../helpers/src-module.mjs', import.meta.url).href)};
const { createLogger, prepareLogger } = await importSource('log/logger');
${prepared ? 'prepareLogger();' : ''}
const log = createLogger({ level: 'info', format: ${JSON.stringify(format)} });
${body}`,
  );
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr;
}

test('JSON lines: pino\'s shape with no pid or hostname, levels below the threshold dropped, secrets redacted', () => {
  const stderr = logIn('json', `log.debug('hidden');
log.info({ region: 'us-east-1', secretAccessKey: 'SECRET1', nested: { credentials: 'SECRET2' } }, 'hello');
log.error(Object.assign(new Error('boom'), { code: 'E_X' }));`);
  const lines = stderr.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  const [info, error] = lines;
  assert.deepEqual(Object.keys(info), ['level', 'time', 'region', 'secretAccessKey', 'nested', 'msg']);
  assert.equal(info.level, 30);
  assert.match(info.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(info.secretAccessKey, '[redacted]');
  assert.equal(info.nested.credentials, '[redacted]');
  assert.doesNotMatch(stderr, /SECRET/);
  assert.equal(error.level, 50);
  assert.equal(error.msg, 'boom');
  assert.equal(error.err.message, 'boom');
  assert.equal(error.err.code, 'E_X');
});

test('pretty: one readable line per record, escaped', () => {
  const stderr = logIn('pretty', `log.warn({ file: '/x\\u001b[2J' }, 'careful\\nnow');`);
  assert.equal(stderr, 'WARN  careful\\nnow  file=/x\\x1b[2J\n');
});

test('the snapshot\'s instance (prepareLogger): its warm-up line goes nowhere, the first createLogger gets its config, later ones their own', () => {
  const stderr = logIn(
    'pretty',
    `log.debug('hidden');
log.warn({ secretAccessKey: 'SECRET1' }, 'first');
const second = createLogger({ level: 'debug', format: 'json' });
second.debug({ credentials: 'SECRET2' }, 'second');
log.debug('still hidden');`,
    { prepared: true },
  );
  const [first, second, ...rest] = stderr.split('\n');
  assert.equal(first, 'WARN  first  secretAccessKey=[redacted]');
  assert.deepEqual(JSON.parse(second), { ...JSON.parse(second), level: 20, credentials: '[redacted]', msg: 'second' });
  assert.deepEqual(rest, ['']);
  assert.doesNotMatch(stderr, /SECRET|snapshot build/);
});
