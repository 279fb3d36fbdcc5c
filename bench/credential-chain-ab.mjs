#!/usr/bin/env node
// A/B of two (or more) builds of the gate in the image's configuration: Node 24 started from
// its startup snapshot under the image's V8 flags, in a fake ECS task (task metadata and
// container credentials on loopback) against the emulator over HTTPS, as every real start
// talks to AWS. Written to decide whether the SDK's fromNodeProviderChain costs more than
// 2 ms over the hand-built chain it replaced (issue 10); any two builds can be compared the
// same way.
//
//   node bench/credential-chain-ab.mjs --node24 PATH --build A=REV_OR_DIR --build B=REV_OR_DIR [--runs 40] [--rss-runs 8] [--http]
//
// A build is a directory holding a built tree (dist/metering-gate.snapshot.cjs), or a git
// revision of this repository: that one is exported into .cache/credential-chain-ab/<commit>
// and built there (`node scripts/build.mjs --cli-only`) against this checkout's node_modules,
// so every build uses the same SDK. `make bench-credential-chain` names the builds of issue 10.
//
// The emulator is this checkout's (older builds' emulators have no --tls). The builds trust
// its CA through NODE_EXTRA_CA_CERTS, which Node itself reads, so that builds from before the
// gate read AWS_CA_BUNDLE (its TLS layer, src/net) take part unchanged; --ca-env AWS_CA_BUNDLE
// gives it the gate's way instead, for builds that all have that layer.
//
// Runs are interleaved (A, B, A, B, ...) so a busy patch of the machine hits both alike; CPU
// time and peak RSS come from separate runs under /usr/bin/time. Reports medians and the
// difference B - A with a bootstrap 90% interval of the median difference.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSnapshotBlob, snapshotLauncher } from '../scripts/lib/snapshot.mjs';
import { newNonce, runOnce, startEmulator, startFakeEcsTask, stats, taskEnv, tempDir, verifyToken } from './lib-startup.mjs';

const { values: opts } = parseArgs({
  options: {
    node24: { type: 'string' },
    build: { type: 'string', multiple: true },
    runs: { type: 'string', default: '40' },
    'rss-runs': { type: 'string', default: '8' },
    http: { type: 'boolean', default: false },
    'ca-env': { type: 'string', default: 'NODE_EXTRA_CA_CERTS' },
    url: { type: 'string' },
  },
});
if (!opts.node24 || !existsSync(opts.node24)) throw new Error('--node24 PATH is required');
// Absolute: each snapshot is built from its build's own directory.
const node24 = resolve(opts.node24);
if (!['NODE_EXTRA_CA_CERTS', 'AWS_CA_BUNDLE'].includes(opts['ca-env'])) throw new Error('--ca-env is NODE_EXTRA_CA_CERTS or AWS_CA_BUNDLE');
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SNAPSHOT_ENTRY = 'dist/metering-gate.snapshot.cjs';

/** A git revision of this repository, built once into .cache/credential-chain-ab/<commit> (kept for the next run). */
function builtRevision(rev) {
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', `${rev}^{commit}`], { encoding: 'utf8' }).trim();
  const dir = join(ROOT, '.cache', 'credential-chain-ab', commit);
  if (existsSync(join(dir, SNAPSHOT_ENTRY))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', ROOT, commit, dir]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  process.stderr.write(`credential-chain-ab: building ${rev} (${commit.slice(0, 7)}) in ${dir}\n`);
  execFileSync(process.execPath, ['scripts/build.mjs', '--cli-only'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

const builds = (opts.build ?? []).map((spec) => {
  const at = spec.indexOf('=');
  if (at <= 0) throw new Error(`--build ${spec}: give NAME=DIR or NAME=GIT_REVISION`);
  const [name, where] = [spec.slice(0, at), spec.slice(at + 1)];
  const dir = existsSync(join(resolve(where), SNAPSHOT_ENTRY)) ? resolve(where) : builtRevision(where);
  return { name, dir };
});
if (builds.length < 2) throw new Error('give at least two --build NAME=DIR');

const PRODUCT_CODE = 'benchproduct0startup0gate';
const work = tempDir('gate-ab-');
const home = join(work, 'home');
mkdirSync(home);
for (const build of builds) {
  build.blob = join(work, `${build.name}.blob`);
  buildSnapshotBlob({ node: node24, blob: build.blob, entry: join(build.dir, SNAPSHOT_ENTRY) });
  build.launcher = snapshotLauncher({ node: node24, blob: build.blob });
  build.out = join(work, `out-${build.name}`);
}

const ecs = await startFakeEcsTask();
const emulatorBundle = join(ROOT, 'dist/metering-gate.mjs');
if (!existsSync(emulatorBundle)) throw new Error(`${emulatorBundle} is missing: run make build first`);
const emulator = await startEmulator(process.execPath, emulatorBundle, opts.http ? [] : ['--tls', '--ca-out', join(work, 'emulator-ca.pem')]);
const url = opts.url ?? emulator.url;
const trust = emulator.caPath ? { [opts['ca-env']]: emulator.caPath } : {};
process.stderr.write(`credential-chain-ab: ${builds.map((b) => `${b.name}=${b.dir}`).join(', ')}; ${url}${emulator.caPath ? ` trusted through ${opts['ca-env']}` : ''}\n`);

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
    ...trust,
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
process.stdout.write(`${opts.http ? 'Over HTTP' : `Over HTTPS (${url}, CA through ${opts['ca-env']})`}; ${Number(opts.runs)} interleaved timed rounds, ${Number(opts['rss-runs'])} /usr/bin/time rounds; Node 24 snapshot, image flags.\n\n${lines.join('\n')}\n`);
