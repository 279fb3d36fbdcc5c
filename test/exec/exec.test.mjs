// exec with real child processes: the gate decides whether the workload starts, then gets out of its way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, ROOT, baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { signalWhen } from '../helpers/poll.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

const env = () => baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_LOG_LEVEL: 'warn' });

function execArgs(outputDir, command) {
  return ['exec', ...gateArgs(emulator, outputDir), '--', ...command];
}

/** A workload that says it is ready, then handles SIGTERM/SIGHUP its own way. */
function workload(dir, onSignal) {
  const script = join(dir, 'workload.mjs');
  writeFileSync(
    script,
    `process.on('SIGTERM', () => { console.log('child got SIGTERM'); ${onSignal.SIGTERM ?? ''} });
process.on('SIGHUP', () => { console.log('child got SIGHUP'); ${onSignal.SIGHUP ?? ''} });
console.log('ready ' + process.env.METERING_GATE_STATUS);
setInterval(() => {}, 1000);
`,
  );
  return script;
}

function signalWhenReady(signal) {
  return (child) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('ready') && !seen.includes('\u0000sent')) {
        seen += '\u0000sent';
        child.kill(signal);
      }
    });
  };
}

test('the child runs with the result in its environment and its exit code passes through; stdout is the child\'s alone', async () => {
  const out = tempDir();
  const script = 'console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("METERING_GATE_") && k !== "METERING_GATE_LOG_LEVEL" && k !== "METERING_GATE_TERMINATION_LOG")))); process.exit(42)';
  const run = await runGate(execArgs(out, [process.execPath, '-e', script]), { env: env(), outputDir: out });
  assert.equal(run.code, 42, run.stderr);
  const childEnv = JSON.parse(run.stdout);
  assert.equal(childEnv.METERING_GATE_STATUS, 'ENTITLED');
  assert.equal(childEnv.METERING_GATE_ENTITLED, 'true');
  assert.equal(childEnv.METERING_GATE_EXIT_CODE, '0');
  assert.equal(childEnv.METERING_GATE_PRODUCT_CODE, 'prod-test-1');
  assert.equal(childEnv.METERING_GATE_REGION, 'us-east-1');
  assert.equal(childEnv.METERING_GATE_RESULT_FILE, join(out, 'entitlement.json'));
  assert.equal(childEnv.METERING_GATE_NONCE, run.file.nonce);
  assert.equal(run.stdout.trim().split('\n').length, 1, 'the gate printed nothing on stdout');
  assert.match(run.stderr, /"status":"ENTITLED"/, 'the result line went to stderr');
});

for (const code of [0, 1, 3, 255]) {
  test(`child exit ${code} is exec's exit`, async () => {
    const out = tempDir();
    const run = await runGate(execArgs(out, ['sh', '-c', `exit ${code}`]), { env: env(), outputDir: out });
    assert.equal(run.code, code, run.stderr);
  });
}

test('SIGTERM reaches the child, and the child\'s handling decides the exit (graceful 0)', async () => {
  const dir = tempDir();
  const script = workload(dir, { SIGTERM: 'setTimeout(() => process.exit(0), 300);' });
  const run = await runGate(execArgs(dir, [process.execPath, script]), { env: env(), outputDir: dir, onSpawn: signalWhenReady('SIGTERM') });
  assert.match(run.stdout, /ready ENTITLED/);
  assert.match(run.stdout, /child got SIGTERM/);
  assert.equal(run.code, 0, run.stderr);
});

test('SIGTERM handled by the child with its own code', async () => {
  const dir = tempDir();
  const script = workload(dir, { SIGTERM: 'process.exit(21);' });
  const run = await runGate(execArgs(dir, [process.execPath, script]), { env: env(), outputDir: dir, onSpawn: signalWhenReady('SIGTERM') });
  assert.match(run.stdout, /child got SIGTERM/);
  assert.equal(run.code, 21, run.stderr);
});

test('SIGHUP is forwarded too', async () => {
  const dir = tempDir();
  const script = workload(dir, { SIGHUP: 'process.exit(9);' });
  const run = await runGate(execArgs(dir, [process.execPath, script]), { env: env(), outputDir: dir, onSpawn: signalWhenReady('SIGHUP') });
  assert.match(run.stdout, /child got SIGHUP/);
  assert.equal(run.code, 9, run.stderr);
});

test('a child killed by the forwarded signal: exit 128+N', async () => {
  const dir = tempDir();
  const script = join(dir, 'plain.mjs');
  writeFileSync(script, "console.log('ready'); setInterval(() => {}, 1000);\n");
  const run = await runGate(execArgs(dir, [process.execPath, script]), { env: env(), outputDir: dir, onSpawn: signalWhenReady('SIGINT') });
  assert.equal(run.code, 130, run.stderr);
});

test('a refused run never starts the child, and exec exits with the gate\'s code', async () => {
  await emulator.setScenario('not-entitled');
  try {
    const dir = tempDir();
    const marker = join(dir, 'child-ran');
    const run = await runGate(execArgs(join(dir, 'out'), ['sh', '-c', `touch ${marker}`]), { env: env(), outputDir: join(dir, 'out') });
    assert.equal(run.code, 3, run.stderr);
    assert.equal(existsSync(marker), false, 'the child never ran');
    assert.equal(run.file.status, 'NOT_ENTITLED');
    assert.equal(run.stdout, '');
  } finally {
    await emulator.setScenario('entitled');
  }
});

test('bad configuration never starts the child either (exit 2)', async () => {
  const dir = tempDir();
  const marker = join(dir, 'child-ran');
  const run = await runGate(['exec', '--product-code', 'bad code', '--', 'sh', '-c', `touch ${marker}`], { env: env() });
  assert.equal(run.code, 2);
  assert.equal(existsSync(marker), false);
});

test('a command that does not exist: exit 127 with a one-line reason', async () => {
  const out = tempDir();
  const run = await runGate(execArgs(out, ['/nonexistent/workload']), { env: env(), outputDir: out });
  assert.equal(run.code, 127);
  assert.match(run.stderr, /could not start "\/nonexistent\/workload": ENOENT/);
});

test('exec without a command is a usage error (exit 2)', async () => {
  const run = await runGate(['exec', '--product-code', 'x'], { env: env() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /missing required argument/);
});

test('options after the command belong to the command', async () => {
  const out = tempDir();
  const run = await runGate(['exec', ...gateArgs(emulator, out), 'sh', '-c', 'echo "$@"', 'sh', '--product-code', 'not-for-the-gate'], { env: env(), outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), '--product-code not-for-the-gate');
  assert.equal(run.file.productCode, 'prod-test-1');
});

test('SIGTERM during registration: exit 143, the child never starts', async () => {
  await emulator.setScenario('hang');
  try {
    const dir = tempDir();
    const marker = join(dir, 'child-ran');
    const run = await runGate(execArgs(join(dir, 'out'), ['sh', '-c', `touch ${marker}`]), {
      env: env(),
      outputDir: join(dir, 'out'),
      // Sent once RegisterUsage is on the wire (the hang scenario never answers it).
      onSpawn: signalWhen(async () => (await emulator.requests().catch(() => [])).length > 0, 'SIGTERM').onSpawn,
    });
    assert.equal(run.code, 143, run.stderr);
    assert.equal(existsSync(marker), false);
    assert.equal(run.file.errorCode, 'TERMINATED');
  } finally {
    await emulator.setScenario('entitled');
  }
});

// issue 11 cases 5 and 7: every signal a supervisor sends reaches CMD, none of them ends the
// gate first (which would orphan CMD and lose its exit code), and exec's code is CMD's.
test('TERM, INT, HUP, QUIT, USR1, USR2 and WINCH all reach CMD; the gate outlives none of them and exits with CMD\'s code', async () => {
  const dir = tempDir();
  const signals = ['SIGWINCH', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGHUP', 'SIGINT', 'SIGTERM'];
  const script = join(dir, 'all-signals.mjs');
  writeFileSync(
    script,
    `const seen = [];
for (const s of ${JSON.stringify(signals)}) process.on(s, () => { seen.push(s); console.log('got ' + s); if (s === 'SIGTERM') process.exit(seen.length === ${signals.length} ? 33 : 44); });
console.log('ready');
setInterval(() => {}, 1000);
`,
  );
  const run = await runGate(execArgs(dir, [process.execPath, script]), {
    env: env(),
    outputDir: dir,
    onSpawn: (child) => {
      let seen = '';
      let next = 0;
      // Each signal goes once the child has reported the previous one: no race, no sleep.
      child.stdout.on('data', (chunk) => {
        seen += chunk;
        const ready = next === 0 ? seen.includes('ready') : seen.includes(`got ${signals[next - 1]}`);
        if (ready && next < signals.length) child.kill(signals[next++]);
      });
    },
  });
  for (const signal of signals) assert.match(run.stdout, new RegExp(`got ${signal}`));
  assert.equal(run.code, 33, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
});

// issue 11 case 5: as PID 1 (a container's entrypoint), exec collects the orphans the workload
// leaves, with the native reaper (native/reaper), and still passes CMD's code through. PID 1
// and a /proc of its own come from user, PID and mount namespaces (unshare -Urpfm --mount-proc).
const canBePid1 = spawnSync('unshare', ['-Urpf', '--mount-proc', 'true']).status === 0;
const noNamespaces = !canBePid1 && 'no user namespaces here (unshare -Urpf --mount-proc)';
const ORPHANS = join(ROOT, 'test', 'fixtures', 'orphans.cjs');
const asPidOne = (bundle) => ['unshare', '-Urpf', '--mount-proc', process.execPath, bundle];

test('as PID 1: orphans of the workload are reaped, and CMD\'s code passes through', { skip: noNamespaces }, async () => {
  const out = tempDir();
  const script = `${JSON.stringify(process.execPath)} ${JSON.stringify(ORPHANS)} 5; echo "pid of the gate: $PPID"; exit 7`;
  const run = await runGate(execArgs(out, ['sh', '-c', script]), { env: env(), outputDir: out, command: asPidOne(BUNDLE) });
  assert.equal(run.code, 7, run.stderr);
  assert.match(run.stdout, /pid of the gate: 1\n/);
  assert.match(run.stdout, /^zombies: 0$/m, 'every orphan was collected');
  assert.doesNotMatch(run.stderr, /reaper addon was not found/);
});

test('as PID 1 without the reaper addon: the orphans stay, and the warning names the fix', { skip: noNamespaces }, async () => {
  // The bundle alone, away from native/: what a copy of only the bundle or the binary gets.
  const lone = join(tempDir(), 'metering-gate.mjs');
  copyFileSync(BUNDLE, lone);
  const out = tempDir();
  const run = await runGate(execArgs(out, [process.execPath, ORPHANS, '3']), { env: env(), outputDir: out, command: asPidOne(lone) });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^zombies: 3$/m, 'without the addon nobody collects them: the case this test guards');
  assert.match(run.stderr, /exec is PID 1 and its reaper addon was not found.*reaper\.node.*docker run --init.*initProcessEnabled.*shareProcessNamespace/);
});
