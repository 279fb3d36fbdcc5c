// The README's promises, checked: its `sh runnable` blocks run as written, every command's
// --help has examples, and every option the CLI has is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLE, ROOT, runGate, tempDir } from '../helpers/gate.mjs';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const COMMANDS = ['register', 'verify', 'exec', 'doctor', 'emulator'];

/** Fenced blocks whose info string is `sh runnable`, in document order. */
export function runnableBlocks(markdown) {
  return [...markdown.matchAll(/^```sh runnable\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** One shell for all blocks, so exports and background emulators carry over as in a reader's terminal. */
function runBlocks(blocks, { timeoutMs = 90_000 } = {}) {
  const dir = tempDir('gate-readme-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // What "put the bundle on your PATH" in the README does.
  symlinkSync(BUNDLE, join(bin, 'metering-gate'));
  const work = join(dir, 'work');
  mkdirSync(work);
  const script = ['set -e', ...blocks.flatMap((block, index) => [`echo "::block ${index + 1}"`, block])].join('\n');
  writeFileSync(join(dir, 'readme.sh'), script);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(dir, 'readme.sh')], {
      cwd: work,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever a failing block left running in the background goes too.
      killGroup();
      resolve({ code, stdout, stderr, work });
    });
  });
}

test('the README has the two set-up commands and the runnable blocks', () => {
  assert.match(README, /^make demo\b/m);
  assert.match(README, /^make test\b/m);
  assert.ok(runnableBlocks(README).length >= 6, 'runnable blocks found');
  assert.match(README, /^## Performance$/m);
  assert.match(README, /\[BENCHMARKS\.md\]\(BENCHMARKS\.md\)/, 'the Performance section points at the benchmark record');
  assert.match(README, /`make bench-startup`/);
  assert.match(README, /`make bench-herd`/);
});

test('every `sh runnable` block in the README works as written', async () => {
  const blocks = runnableBlocks(README);
  const run = await runBlocks(blocks);
  const context = `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  assert.equal(run.code, 0, `the README's blocks failed${context}`);
  assert.ok(run.stdout.includes(`::block ${blocks.length}`), `every block ran${context}`);
  // Private networks: through the emulator's proxy over TLS with AWS_CA_BUNDLE, then without the CA
  assert.match(run.stdout, /^ENTITLED\nuntrusted: exit 2\nTLS_UNTRUSTED$/m, context);
  // doctor --call against the entitled emulator
  assert.match(run.stdout, /^call\s+PASS\s+RegisterUsage in us-east-1 answered with a token that verifies/m, context);
  assert.match(run.stdout, /: exit 0$/m, context);
  // register, and the env file
  assert.match(run.stdout, /"status":"ENTITLED"/, context);
  assert.match(run.stdout, /^METERING_GATE_STATUS='ENTITLED'$/m, context);
  // verify: the genuine file passes, the edited one is refused with 5
  assert.match(run.stdout, /"verified":true/, context);
  assert.match(run.stdout, /^edited file refused: exit 5$/m, context);
  // exec
  assert.match(run.stdout, /^workload started: ENTITLED in us-east-1$/m, context);
  // access denied: doctor names the IAM policy, exec never starts the workload
  assert.match(run.stdout, /^doctor: exit 8$/m, context);
  assert.match(run.stdout, /"Action":"aws-marketplace:RegisterUsage"/, context);
  assert.match(run.stdout, /^exec refused: exit 8$/m, context);
  assert.ok(!run.stdout.includes('never printed'), context);
});

test('every command\'s --help shows examples', async () => {
  for (const args of [['--help'], ...COMMANDS.map((command) => [command, '--help'])]) {
    const run = await runGate(args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stdout, /Examples:\n {2}/, `${args.join(' ')} --help has examples`);
  }
});

test('every option in --help is documented in the README', async () => {
  for (const command of COMMANDS) {
    const run = await runGate([command, '--help']);
    const flags = new Set(run.stdout.match(/--[a-z][a-z-]+/g));
    flags.delete('--help');
    for (const flag of flags) assert.ok(README.includes(`\`${flag}`), `${command} ${flag} is documented in the README`);
  }
});

test('every exit code of the table in src/errors.ts is in the README\'s table', () => {
  const table = README.slice(README.indexOf('## Exit codes'), README.indexOf('## Result files'));
  for (const code of ['INTERNAL', 'CONFIG_INVALID', 'PRODUCT_CODE_UNTRUSTED', 'CUSTOMER_NOT_ENTITLED', 'PLATFORM_NOT_SUPPORTED', 'TOKEN_INVALID', 'SERVICE_UNAVAILABLE', 'REGION_UNRESOLVED', 'INVALID_REGION', 'CREDENTIALS_UNAVAILABLE', 'ACCESS_DENIED', 'PRODUCT_REJECTED', 'OUTPUT_UNWRITABLE', 'RESULT_MISSING', 'TERMINATED', 'TLS_UNTRUSTED', 'PROXY_REFUSED', 'ENDPOINT_NOT_METERING', 'ENDPOINT_NOT_STS']) {
    assert.ok(table.includes(`\`${code}\``), `${code} is in the exit-code table`);
  }
});
