// Drives the built CLI as a real process, and the emulator as a real server, for tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulatorProcess } from '../../scripts/lib/emulator-process.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE = join(ROOT, 'dist', 'metering-gate.mjs');

if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "make build" (make test does) before the tests`);

// How runGate starts the gate unless a test says otherwise. METERING_GATE_TEST_LAUNCHER (a
// JSON array) replaces it, so that the same tests run the gate another way: `make
// test-cli-snapshot` runs them against Node 24 started from the startup snapshot.
const DEFAULT_COMMAND = process.env.METERING_GATE_TEST_LAUNCHER ? JSON.parse(process.env.METERING_GATE_TEST_LAUNCHER) : [process.execPath, BUNDLE];

export function tempDir(prefix = 'gate-test-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A clean environment: test credentials, no AWS config files, no IMDS, nothing from the
 * developer's own shell that could change the outcome.
 */
export function baseEnv(extra = {}) {
  const home = tempDir('gate-home-');
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_ACCESS_KEY_ID: 'AKIDMETERINGGATETEST',
    AWS_SECRET_ACCESS_KEY: 'metering-gate-test-secret',
    AWS_SESSION_TOKEN: 'metering-gate-test-session',
    AWS_EC2_METADATA_DISABLED: 'true',
    METERING_GATE_TERMINATION_LOG: join(home, 'termination-log'),
    ...extra,
  };
}

/** Runs the gate; resolves with its exit code, output, the stdout result and the result file, read back. */
export function runGate(args, { env = baseEnv(), outputDir, timeoutMs = 30_000, onSpawn, command = DEFAULT_COMMAND } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command[0], [...command.slice(1), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      let stdoutJson = null;
      try {
        stdoutJson = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        // left null: the assertion on it will say so
      }
      const file = outputDir && existsSync(join(outputDir, 'entitlement.json')) ? JSON.parse(readFileSync(join(outputDir, 'entitlement.json'), 'utf8')) : null;
      const envFile = outputDir && existsSync(join(outputDir, 'entitlement.env')) ? readFileSync(join(outputDir, 'entitlement.env'), 'utf8') : null;
      resolve({ code, signal, stdout, stderr, result: stdoutJson, file, envFile, durationMs: Date.now() - started });
    });
  });
}

/** Starts `metering-gate emulator` as a process and returns its URL, key and a handle on its request log. */
export function startEmulator({ scenario = 'entitled', taskRegion = 'us-east-1', extraArgs = [] } = {}) {
  return startEmulatorProcess({ bundle: BUNDLE, scenario, taskRegion, extraArgs });
}

/** The arguments every register against the emulator needs. */
export function gateArgs(emulator, outputDir, extra = []) {
  return ['--product-code', 'prod-test-1', '--public-key-file', emulator.keyPath, '--endpoint-url', emulator.url, '--output-dir', outputDir, ...extra];
}
