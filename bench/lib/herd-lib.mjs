// Pieces of the herd benchmark (bench/herd.mjs): the emulator as its own process (so the
// herd's event loop cannot distort its throttle), process gates, and the figures.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorProcess } from '../../scripts/lib/emulator-process.mjs';

export const TASK_REGION = 'us-east-1';
// Test-only credentials; the emulator is given the secret so it checks every SigV4 signature in full.
export const HERD_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDMETERINGGATEHERD',
  AWS_SECRET_ACCESS_KEY: 'metering-gate-herd-secret',
  AWS_SESSION_TOKEN: 'metering-gate-herd-session',
};

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment of one gate: test credentials, the task region, nothing from the developer's shell. */
export function gateEnv(home) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: TASK_REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...HERD_CREDENTIALS,
  };
}

export function startHerdEmulator(bundle, scenario) {
  return startEmulatorProcess({ bundle, scenario, taskRegion: TASK_REGION, secretAccessKey: HERD_CREDENTIALS.AWS_SECRET_ACCESS_KEY });
}

/** Runs one process to its end; resolves with its exit code, its last stdout line and when it ended. */
export function runProcess(argv, env) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('close', (code) => {
      let last = null;
      try {
        last = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        // left null: counted as not entitled
      }
      resolve({ code, last, finishedAt: Date.now() });
    });
  });
}

/**
 * The figures of one herd: share entitled, makespan (first start to last end) over the ideal
 * N / rate, and requests per gate as the emulator counted them (by nonce), not as gates claim.
 */
export function summarize({ label, n, rate, startedAt, outcomes, requests }) {
  const perNonce = new Map();
  const firstAt = new Map();
  for (const r of requests) {
    const nonce = r.body?.Nonce;
    if (typeof nonce !== 'string') continue;
    perNonce.set(nonce, (perNonce.get(nonce) ?? 0) + 1);
    if (!firstAt.has(nonce)) firstAt.set(nonce, Date.parse(r.at));
  }
  // How far apart the gates' first requests were: a herd only if this is small next to the ideal.
  const firsts = [...firstAt.values()];
  const counts = outcomes.map((o) => (o.nonce ? perNonce.get(o.nonce) ?? 0 : 0));
  const entitled = outcomes.filter((o) => o.entitled).length;
  const makespanMs = Math.max(...outcomes.map((o) => o.finishedAt)) - startedAt;
  const idealMs = (n / rate) * 1000;
  return {
    label,
    n,
    rate,
    entitledShare: entitled / n,
    makespanMs,
    makespanRatio: makespanMs / idealMs,
    meanRequests: counts.reduce((a, b) => a + b, 0) / n,
    maxRequests: Math.max(...counts),
    totalRequests: requests.length,
    startSpreadMs: firsts.length ? Math.max(...firsts) - Math.min(...firsts) : 0,
  };
}

export function formatRow(s) {
  return [
    s.label.padEnd(34),
    `${(s.entitledShare * 100).toFixed(1)}%`.padStart(8),
    `${(s.makespanMs / 1000).toFixed(1)}s`.padStart(8),
    s.makespanRatio.toFixed(2).padStart(8),
    s.meanRequests.toFixed(2).padStart(8),
    String(s.maxRequests).padStart(6),
    String(s.totalRequests).padStart(8),
    `${(s.startSpreadMs / 1000).toFixed(1)}s`.padStart(12),
  ].join(' ');
}

export const HEADER = ['herd'.padEnd(34), 'entitled'.padStart(8), 'makespan'.padStart(8), 'x ideal'.padStart(8), 'req mean'.padStart(8), 'max'.padStart(6), 'requests'.padStart(8), 'first-req spread'.padStart(12)].join(' ');
