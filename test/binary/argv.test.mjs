// The single executable (dist/metering-gate-linux-<arch>, `make binary`) parses its arguments
// exactly as the bundle does. Node hands a single executable its arguments in another shape
// than `node bundle.mjs` or a start from the snapshot blob ([binary, binary, ...] against
// [node, script, ...] and [node, ...]), and a first trial parsed `--version` wrongly.
// Both run on the same Node 24 here, so that even the version line must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, ROOT, baseEnv } from '../helpers/gate.mjs';

const BINARY = join(ROOT, 'dist', `metering-gate-linux-${process.arch}`);
if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "make binary" (make test does) before this test`);
const NODE24 = execFileSync('bash', [join(ROOT, 'scripts', 'node24.sh')], { encoding: 'utf8' }).trim();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

function start(command, args, env = baseEnv({ METERING_GATE_LOG_FORMAT: 'json' })) {
  const result = spawnSync(command[0], [...command.slice(1), ...args], { env, encoding: 'utf8', timeout: 30_000 });
  // Log lines and results carry times; nothing else differs from one run to the next.
  const untimed = (text) =>
    text
      .replace(/"(time|startedAt|finishedAt)":"[^"]*"/g, '"$1":"T"')
      .replace(/"durationMs":\d+/g, '"durationMs":0');
  return { code: result.status, signal: result.signal, stdout: untimed(result.stdout), stderr: untimed(result.stderr) };
}

const bundle = (args, env) => start([NODE24, BUNDLE], args, env);
const binary = (args, env) => start([BINARY], args, env);

const CASES = [
  ['--version'],
  ['-V'],
  ['--help'],
  ['help', 'verify'],
  ['verify', '--help'],
  ['exec', '--help'],
  // Node's own options are the gate's arguments: nothing may be taken by the node inside.
  ['-p', '1'],
  ['--no-maglev', '--version'],
  ['--', '--version'],
  ['--bogus'],
  ['unknown-command'],
  // The binary's own path as an argument must stay an argument (the first trial dropped or
  // kept one argument too many).
  [BINARY, '--version'],
  ['register', '--product-code', 'bad code!'],
  ['--product-code', 'prod-1', '--deadline', 'soon'],
  ['verify', '--result', '/nonexistent/entitlement.json', '--skip-unknown'],
  ['verify', '--result', '/nonexistent/entitlement.json', '--public-key', 'not a pem'],
  ['exec', '--product-code', 'prod-1', '--deadline', '1x', '--', 'sh', '-c', 'exit 9'],
  ['exec', '--'],
];

for (const args of CASES) {
  test(`argv ${JSON.stringify(args.map((arg) => (arg === BINARY ? '<binary>' : arg)))}: the binary answers as the bundle does`, () => {
    const fromBundle = bundle(args);
    const fromBinary = binary(args);
    assert.equal(fromBundle.signal, null, fromBundle.stderr);
    assert.deepEqual(fromBinary, fromBundle);
  });
}

test('--version names the gate, its commit and the node it runs on, in the binary and the bundle alike', () => {
  const line = binary(['--version']).stdout.trim();
  assert.match(line, new RegExp(`^metering-gate ${pkg.version.replace(/\./g, '\\.')} \\(commit ([0-9a-f]{7,}|unknown), node v24\\.\\d+\\.\\d+\\)$`));
  // The bundle names the node that runs it: Node 20 here, the binary's Node 24 above.
  const onNode20 = start([process.execPath, BUNDLE], ['--version']).stdout.trim();
  assert.equal(onNode20, line.replace(/node v24\.\d+\.\d+/, `node ${process.version}`));
  // Built in a git checkout, the build knows its commit (it may be older than HEAD by now).
  const inGit = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).status === 0;
  if (inGit) assert.doesNotMatch(line, /commit unknown/);
});

test('NODE_OPTIONS meant for the seller\'s Node server neither breaks nor changes the binary', () => {
  const env = baseEnv({ NODE_OPTIONS: '--require /nonexistent/tracer.js --max-old-space-size=64' });
  const run = binary(['--version'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, binary(['--version']).stdout);
});
