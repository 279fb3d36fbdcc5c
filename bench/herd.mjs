// make bench-herd: N gates started at the same instant against the emulator's
// requests-per-second throttle, and in the same run the same herd through a naive
// integration (the SDK's default retry: standard mode, 3 attempts) as the baseline.
//   in-process: HERD_N (1000) gates at HERD_RATE (50) requests/s, burst HERD_BURST (50),
//               each a real runRegistration with its own environment, client, nonce and output dir;
//   processes:  HERD_PROC_N (50) CLI processes at HERD_PROC_RATE (2.5) requests/s. Each
//               process needs about 0.3 s of CPU to start, so on a 2-core box 50 of them
//               already take some seconds to all be up; "first-req spread" shows how much.
// The emulator runs as a separate process so the herd's busy event loop cannot bend its
// token bucket. Exits 1 when the in-process gate herd misses the issue's targets.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { bundleEntries, ROOT } from './lib/bundle.mjs';
import { formatRow, gateEnv, HEADER, runProcess, startHerdEmulator, summarize, tempDir } from './lib/herd-lib.mjs';

const N = Number(process.env.HERD_N ?? 1000);
const RATE = Number(process.env.HERD_RATE ?? 50);
const BURST = Number(process.env.HERD_BURST ?? 50);
const PROC_N = Number(process.env.HERD_PROC_N ?? 50);
const PROC_RATE = Number(process.env.HERD_PROC_RATE ?? 2.5);
const PROC_BURST = Number(process.env.HERD_PROC_BURST ?? Math.ceil(PROC_RATE));
const TARGET = { entitledShare: 1, makespanRatio: 1.6, meanRequests: 6 };

const CLI = join(ROOT, 'dist', 'metering-gate.mjs');
const [entryPath, naiveCliPath] = await bundleEntries(['bench/herd-entry.ts', 'bench/herd-naive-cli.ts'], 'gate-herd-');
const herd = await import(entryPath);

// In-process gates resolve credentials through the SDK chain, which reads process.env.
const home = tempDir('gate-herd-home-');
Object.assign(process.env, gateEnv(home));

/** Why gates were refused, grouped, so a miss in the figures can be explained from the same run. */
function reportRefused(label, refused) {
  if (refused.length === 0) return;
  const reasons = new Map();
  for (const r of refused) {
    const key = `exit ${r.exitCode} ${r.errorCode ?? ''} ${String(r.message ?? '').slice(0, 160)}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  console.log(`${label}: ${refused.length} refused`);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  ${count} x ${reason}`);
}

async function inProcess(label, run) {
  const emulator = await startHerdEmulator(CLI, `rate-limit:${RATE}:${BURST}`);
  const root = tempDir('gate-herd-out-');
  try {
    const startedAt = Date.now();
    const pending = [];
    for (let i = 0; i < N; i += 1) {
      const outputDir = join(root, String(i));
      pending.push(run({ endpointUrl: emulator.url, keyPath: emulator.keyPath, outputDir, env: gateEnv(home), signal: new AbortController().signal }));
    }
    const outcomes = await Promise.all(pending);
    reportRefused(label, outcomes.filter((o) => !o.entitled));
    return summarize({ label, n: N, rate: RATE, startedAt, outcomes, requests: await emulator.requests() });
  } finally {
    await emulator.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function processes(label, argvFor) {
  const emulator = await startHerdEmulator(CLI, `rate-limit:${PROC_RATE}:${PROC_BURST}`);
  const root = tempDir('gate-herd-proc-');
  try {
    const startedAt = Date.now();
    const pending = [];
    for (let i = 0; i < PROC_N; i += 1) {
      const outputDir = join(root, String(i));
      mkdirSync(outputDir);
      pending.push(runProcess(argvFor(emulator, outputDir), { ...gateEnv(home), METERING_GATE_TERMINATION_LOG: join(outputDir, 'termination-log') }));
    }
    const runs = await Promise.all(pending);
    const outcomes = runs.map((r) => ({ entitled: r.code === 0 && r.last?.entitled === true, nonce: r.last?.nonce ?? null, finishedAt: r.finishedAt }));
    reportRefused(label, runs.filter((r, i) => !outcomes[i].entitled).map((r) => ({ exitCode: r.code, errorCode: r.last?.errorCode ?? null, message: r.last?.message ?? null })));
    return summarize({ label, n: PROC_N, rate: PROC_RATE, startedAt, outcomes, requests: await emulator.requests() });
  } finally {
    await emulator.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const gateArgv = (emulator, outputDir) => [process.execPath, CLI, '--product-code', 'prod-herd-1', '--public-key-file', emulator.keyPath, '--endpoint-url', emulator.url, '--output-dir', outputDir, '--log-level', 'warn'];
const naiveArgv = (emulator, outputDir) => [process.execPath, naiveCliPath, emulator.url, emulator.keyPath, outputDir];

console.log(`herd: ${N} in-process gates at ${RATE} req/s (burst ${BURST}), ideal ${(N / RATE).toFixed(1)}s; ${PROC_N} processes at ${PROC_RATE} req/s (burst ${PROC_BURST}), ideal ${(PROC_N / PROC_RATE).toFixed(1)}s`);
// Other work on the box starves the herd's event loop and the emulator alike; say how busy it was.
const load = () => loadavg()[0].toFixed(1);
console.log(`machine: ${cpus().length} CPUs, 1-minute load average ${load()} at start`);
const results = [];
results.push(await inProcess(`metering-gate, in-process N=${N}`, herd.runGate));
results.push(await inProcess(`SDK default retry, in-process N=${N}`, herd.runNaive));
if (PROC_N > 0) {
  results.push(await processes(`metering-gate, processes N=${PROC_N}`, gateArgv));
  results.push(await processes(`SDK default retry, processes N=${PROC_N}`, naiveArgv));
}

console.log(`1-minute load average ${load()} at the end`);
console.log(HEADER);
for (const r of results) console.log(formatRow(r));
const gate = results[0];
const misses = [
  gate.entitledShare < TARGET.entitledShare && `entitled ${(gate.entitledShare * 100).toFixed(1)}% < 100%`,
  gate.makespanRatio > TARGET.makespanRatio && `makespan ${gate.makespanRatio.toFixed(2)}x > ${TARGET.makespanRatio}x`,
  gate.meanRequests > TARGET.meanRequests && `mean requests ${gate.meanRequests.toFixed(2)} > ${TARGET.meanRequests}`,
].filter(Boolean);
console.log(`targets (N=${N}: 100% entitled, makespan <= ${TARGET.makespanRatio}x ideal, <= ${TARGET.meanRequests} requests/gate): ${misses.length ? `MISSED: ${misses.join('; ')}` : 'met'}`);
console.log(JSON.stringify({ herd: results }));
process.exit(misses.length ? 1 : 0);
