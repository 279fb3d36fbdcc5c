#!/usr/bin/env node
// A/B of two (or more) builds of the gate in the image's configuration: Node 24 started from
// its startup snapshot under the image's V8 flags, in a fake ECS task (task metadata and
// container credentials on loopback) against the emulator. Written to decide whether the
// SDK's fromNodeProviderChain costs more than 2 ms over the hand-built chain it replaced
// (issue 10); any two builds can be compared the same way.
//
//   git worktree add /tmp/gate-a <commit> && (cd /tmp/gate-a && npm ci && npm run build)
//   node bench/credential-chain-ab.mjs --node24 PATH --build A=/tmp/gate-a --build B=. [--runs 40]
//
// Runs are interleaved (A, B, A, B, ...) so a busy patch of the machine hits both alike; CPU
// time and peak RSS come from separate runs under /usr/bin/time. Reports medians and the
// difference B - A with a bootstrap 90% interval of the median difference.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSnapshotBlob, snapshotLauncher } from '../scripts/lib/snapshot.mjs';
import { newNonce, runOnce, startEmulator, startFakeEcsTask, stats, taskEnv, tempDir, verifyToken } from './lib-startup.mjs';

const { values: opts } = parseArgs({
  options: {
    node24: { type: 'string' },
    build: { type: 'string', multiple: true },
    runs: { type: 'string', default: '40' },
    'rss-runs': { type: 'string', default: '8' },
    url: { type: 'string' },
  },
});
if (!opts.node24 || !existsSync(opts.node24)) throw new Error('--node24 PATH is required');
const builds = (opts.build ?? []).map((spec) => {
  const [name, dir] = spec.split('=');
  return { name, dir: resolve(dir) };
});
if (builds.length < 2) throw new Error('give at least two --build NAME=DIR');

const PRODUCT_CODE = 'benchproduct0startup0gate';
const work = tempDir('gate-ab-');
const home = join(work, 'home');
mkdirSync(home);
for (const build of builds) {
  build.blob = join(work, `${build.name}.blob`);
  buildSnapshotBlob({ node: opts.node24, blob: build.blob, entry: join(build.dir, 'dist/metering-gate.snapshot.cjs') });
  build.launcher = snapshotLauncher({ node: opts.node24, blob: build.blob });
  build.out = join(work, `out-${build.name}`);
}

const ecs = await startFakeEcsTask();
const emulator = await startEmulator(process.execPath, join(builds[0].dir, 'dist/metering-gate.mjs'));
const url = opts.url ?? emulator.url;

async function once(build, rss) {
  const nonce = newNonce();
  rmSync(join(build.out, 'entitlement.json'), { force: true });
  const env = taskEnv(home, ecs, {
    METERING_GATE_PRODUCT_CODE: PRODUCT_CODE,
    METERING_GATE_PUBLIC_KEY_FILE: emulator.keyPath,
    METERING_GATE_ENDPOINT_URL: url,
    METERING_GATE_OUTPUT_DIR: build.out,
    METERING_GATE_NONCE: nonce,
    METERING_GATE_TERMINATION_LOG: join(work, `${build.name}-termination-log`),
  });
  const run = await runOnce([...build.launcher, 'register'], { env, rss });
  if (run.code !== 0) throw new Error(`${build.name}: exit ${run.code}: ${run.stderr.slice(-400)}`);
  const result = JSON.parse(readFileSync(join(build.out, 'entitlement.json'), 'utf8'));
  if (result.credentialSource !== 'container') throw new Error(`${build.name}: credentialSource ${result.credentialSource}`);
  verifyToken(result.signature, emulator.publicKey, { nonce, productCode: PRODUCT_CODE });
  return run;
}

const wall = new Map(builds.map((b) => [b.name, []]));
const cpu = new Map(builds.map((b) => [b.name, []]));
const rssKiB = new Map(builds.map((b) => [b.name, []]));
try {
  for (let i = 0; i < 3; i += 1) for (const b of builds) await once(b, false);
  for (let i = 0; i < Number(opts.runs); i += 1) {
    // Alternate which goes first, so neither always follows the other.
    for (const b of i % 2 ? [...builds].reverse() : builds) wall.get(b.name).push((await once(b, false)).wallMs);
  }
  for (let i = 0; i < Number(opts['rss-runs']); i += 1) {
    for (const b of builds) {
      const run = await once(b, true);
      cpu.get(b.name).push(run.cpuMs);
      rssKiB.get(b.name).push(run.maxRssKiB);
    }
  }
} finally {
  await Promise.all([emulator.stop(), ecs.close()]);
  rmSync(work, { recursive: true, force: true });
}

/** Bootstrap 90% interval of median(b) - median(a), from the paired-by-round samples. */
function medianDiffInterval(a, b) {
  const diffs = [];
  for (let k = 0; k < 2000; k += 1) {
    const pick = (xs) => Array.from(xs, () => xs[Math.floor(Math.random() * xs.length)]);
    diffs.push(stats(pick(b)).median - stats(pick(a)).median);
  }
  diffs.sort((x, y) => x - y);
  return [diffs[Math.floor(diffs.length * 0.05)], diffs[Math.floor(diffs.length * 0.95)]];
}

const base = builds[0];
const lines = [`| build | median wall ms | min wall ms | CPU ms (median) | peak RSS MiB (max) | wall Δ vs ${base.name} (median, 90% CI) |`, '|---|---:|---:|---:|---:|---|'];
for (const b of builds) {
  const w = stats(wall.get(b.name));
  const delta = b === base ? '–' : `${(w.median - stats(wall.get(base.name)).median).toFixed(1)} ms [${medianDiffInterval(wall.get(base.name), wall.get(b.name)).map((x) => x.toFixed(1)).join(', ')}]`;
  lines.push(`| ${b.name} | ${w.median.toFixed(1)} | ${w.min.toFixed(1)} | ${stats(cpu.get(b.name)).median.toFixed(0)} | ${(stats(rssKiB.get(b.name)).max / 1024).toFixed(1)} | ${delta} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
