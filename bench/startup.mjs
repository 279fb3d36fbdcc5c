#!/usr/bin/env node
// Start-up benchmark for `metering-gate register` (issue 5). In one run it times, over
// repeated interleaved runs, the gate from process start to a verified result file against
// the emulator on loopback, inside a fake ECS task (task metadata + container credentials on
// loopback), also started from a V8 startup snapshot built first with Node 24, next to
// `node -e 0` on the same Node binaries (the floor), and to
// `aws meteringmarketplace register-usage` doing the same call when the AWS CLI is present.
// With --binary, also the single executable (`make binary`: Node 24 and the same snapshot in
// one file) beside node plus blob (the image's entrypoint). It reports ratios against
// baselines measured in the same run, peak RSS and sizes.
//
//   node bench/startup.mjs --node24 PATH [--binary PATH] [--runs 20] [--rss-runs 5] [--write BENCHMARKS.md]
//
// Not a test: nothing here fails on a slow machine; it fails only when a run does not
// produce a verified result.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SNAPSHOT_NODE_FLAGS, buildSnapshotBlob, snapshotLauncher } from '../scripts/lib/snapshot.mjs';
import {
  IRSA_ROLE_ARN,
  TASK_REGION,
  newNonce,
  runOnce,
  startEmulator,
  startFakeEcsTask,
  stats,
  taskEnv as taskEnvOf,
  tempDir,
  verifyToken,
  writeWebIdentityToken,
} from './lib-startup.mjs';

const { values: opts } = parseArgs({
  options: {
    node24: { type: 'string' },
    node20: { type: 'string', default: process.execPath },
    bundle: { type: 'string', default: 'dist/metering-gate.mjs' },
    'snapshot-entry': { type: 'string', default: 'dist/metering-gate.snapshot.cjs' },
    binary: { type: 'string' },
    runs: { type: 'string', default: '20' },
    'rss-runs': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    aws: { type: 'string' },
    'no-aws': { type: 'boolean', default: false },
    write: { type: 'string' },
    command: { type: 'string', default: 'node bench/startup.mjs' },
  },
});

const RUNS = Number(opts.runs);
const RSS_RUNS = Number(opts['rss-runs']);
const WARMUP = Number(opts.warmup);
const BUNDLE = resolve(opts.bundle);
const PRODUCT_CODE = 'benchproduct0startup0gate';
const TARGETS = { ratioToNode: 2.5, speedupOverCli: 6, peakRssMiB: 60, bundleBytes: 600_000 };

function fail(message) {
  process.stderr.write(`bench-startup: ${message}\n`);
  process.exit(1);
}

function nodeVersion(node) {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

function findAws() {
  if (opts['no-aws']) return null;
  if (opts.aws) return opts.aws;
  try {
    let found = execFileSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
    // A pyenv shim is a bash script that execs the real one; time the real one, not the shim.
    if (found.includes('/.pyenv/shims/')) found = execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim();
    return found || null;
  } catch {
    return null;
  }
}

if (!opts.node24 || !existsSync(opts.node24)) fail('--node24 PATH to a Node 24 binary is required (make bench-startup fetches one into .cache/)');
if (!existsSync(BUNDLE)) fail(`${BUNDLE} is missing: run make build first`);
if (opts.binary && !existsSync(opts.binary)) fail(`--binary ${opts.binary} is missing: run make binary first`);
if (!existsSync('/usr/bin/time')) fail('/usr/bin/time is missing (apt-get install -y time); it measures peak RSS');

const node20 = opts.node20;
const node24 = resolve(opts.node24);
const versions = { node20: nodeVersion(node20), node24: nodeVersion(node24) };
if (!versions.node20.startsWith('v20.')) fail(`--node20 ${node20} is ${versions.node20}, not Node 20`);
if (!versions.node24.startsWith('v24.')) fail(`--node24 ${node24} is ${versions.node24}, not Node 24`);
const awsPath = findAws();
let awsVersion = null;
if (awsPath) {
  try {
    awsVersion = execFileSync(awsPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(' ')[0];
  } catch {
    awsVersion = null;
  }
}

// What an image build does once with its own node: a V8 startup snapshot of the CLI
// (dist/metering-gate.snapshot.cjs, see src/snapshot/entry.ts). Built here, before any
// timing, with the Node 24 that the snapshot rows run, once with V8's default flags and once
// with the image's (scripts/lib/snapshot.mjs): a blob only keeps its code cache under the
// flags it was built with.
const SNAPSHOT_ENTRY = resolve(opts['snapshot-entry']);
const snapshotDir = tempDir('gate-bench-snapshot-');
const snapshotBlob = join(snapshotDir, 'metering-gate.blob');
const imageSnapshotBlob = join(snapshotDir, 'metering-gate-image.blob');
if (!existsSync(SNAPSHOT_ENTRY)) fail(`${SNAPSHOT_ENTRY} is missing: run make build first`);
try {
  buildSnapshotBlob({ node: node24, blob: snapshotBlob, entry: SNAPSHOT_ENTRY, flags: [] });
  buildSnapshotBlob({ node: node24, blob: imageSnapshotBlob, entry: SNAPSHOT_ENTRY });
} catch (error) {
  fail(`could not build the startup snapshot: ${error.stderr?.toString().trim() ?? error.message}`);
}
const IMAGE_FLAGS = SNAPSHOT_NODE_FLAGS.join(' ');

const ecs = await startFakeEcsTask();
const tokenFile = writeWebIdentityToken(snapshotDir);
const emulator = await startEmulator(node20, BUNDLE);
// The same emulator over HTTPS, with a CA of its own that the gate trusts through AWS_CA_BUNDLE,
// as a private CA or a TLS-inspecting proxy would be trusted: TLS set-up (trust store,
// handshake) is part of every real start. It is also STS for the IRSA row, which a real pod
// reaches over HTTPS too; with the bench's secret it still takes the ECS rows' credentials.
const tlsEmulator = await startEmulator(node20, BUNDLE, ['--tls', '--ca-out', join(snapshotDir, 'emulator-ca.pem'), '--web-identity-token-file', tokenFile]);
const work = tempDir('gate-bench-');
const home = join(work, 'home');
mkdirSync(home);
const compileCacheDir = join(work, 'compile-cache');
const imageCacheDir = join(work, 'compile-cache-image');

const taskEnv = (extra = {}) => taskEnvOf(home, ecs, extra);

/**
 * IRSA as on EKS: no ECS task; the pod identity webhook's AWS_REGION, AWS_ROLE_ARN and token
 * file; STS (AWS_ENDPOINT_URL_STS) is the HTTPS emulator's, on the same loopback as Metering.
 */
const irsaEnv = (extra = {}) => ({
  PATH: process.env.PATH,
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
  KUBERNETES_SERVICE_HOST: '10.100.0.1',
  AWS_REGION: TASK_REGION,
  AWS_ROLE_ARN: IRSA_ROLE_ARN,
  AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
  AWS_ENDPOINT_URL_STS: tlsEmulator.url,
  ...extra,
});

function gateCandidate(id, label, launcher, extraEnv = {}, { irsa = false, target = emulator } = {}) {
  const outputDir = join(work, id);
  const expected = irsa ? { regionSource: 'env', credentialSource: 'web-identity' } : { regionSource: 'ecs-task-metadata', credentialSource: 'container' };
  return {
    id,
    label,
    kind: 'gate',
    argv: () => [...launcher, 'register'],
    env: (nonce) =>
      (irsa ? irsaEnv : taskEnv)({
        METERING_GATE_PRODUCT_CODE: PRODUCT_CODE,
        METERING_GATE_PUBLIC_KEY_FILE: target.keyPath,
        METERING_GATE_ENDPOINT_URL: target.url,
        ...(target.caPath ? { AWS_CA_BUNDLE: target.caPath } : {}),
        METERING_GATE_OUTPUT_DIR: outputDir,
        METERING_GATE_NONCE: nonce,
        METERING_GATE_TERMINATION_LOG: join(work, `${id}-termination-log`),
        ...extraEnv,
      }),
    before: () => rmSync(join(outputDir, 'entitlement.json'), { force: true }),
    check: (run, nonce) => {
      if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.trim().slice(-600)}`);
      const result = JSON.parse(readFileSync(join(outputDir, 'entitlement.json'), 'utf8'));
      if (result.status !== 'ENTITLED' || result.signatureVerified !== true) throw new Error(`result file says ${result.status}, signatureVerified=${result.signatureVerified}`);
      if (result.regionSource !== expected.regionSource || result.credentialSource !== expected.credentialSource) {
        throw new Error(`not the ${irsa ? 'IRSA' : 'ECS'} path: regionSource=${result.regionSource}, credentialSource=${result.credentialSource}`);
      }
      verifyToken(result.signature, target.publicKey, { nonce, productCode: PRODUCT_CODE });
    },
  };
}

const candidates = [
  { id: 'node20-floor', label: `node -e 0 (Node ${versions.node20})`, kind: 'floor', argv: () => [node20, '-e', '0'], env: () => taskEnv() },
  { id: 'node24-floor', label: `node -e 0 (Node ${versions.node24})`, kind: 'floor', argv: () => [node24, '-e', '0'], env: () => taskEnv() },
  gateCandidate('gate-node20', `gate register (Node ${versions.node20})`, [node20, BUNDLE]),
  gateCandidate('gate-node24', `gate register (Node ${versions.node24})`, [node24, BUNDLE]),
  gateCandidate('gate-node24-cc', `gate register (Node ${versions.node24}, compile cache)`, [node24, BUNDLE], { NODE_COMPILE_CACHE: compileCacheDir }),
  // The compile cache (written at build time) with the image's V8 flags: no Maglev and no
  // Sparkplug, JIT tiers that a process living for a fraction of a second only pays for.
  gateCandidate('gate-node24-image', `gate register (Node ${versions.node24}, compile cache, ${IMAGE_FLAGS})`, [node24, ...SNAPSHOT_NODE_FLAGS, BUNDLE], { NODE_COMPILE_CACHE: imageCacheDir }),
  // Started from the startup snapshot: the register path's modules already loaded and its
  // pure parts compiled; once under V8's defaults, once as the image starts it.
  gateCandidate('gate-node24-snapshot', `gate register (Node ${versions.node24}, snapshot)`, snapshotLauncher({ node: node24, blob: snapshotBlob, flags: [] })),
  gateCandidate('gate-node24-snapshot-image', `gate register (Node ${versions.node24}, snapshot, ${IMAGE_FLAGS}: the image)`, snapshotLauncher({ node: node24, blob: imageSnapshotBlob })),
  // Over HTTPS with AWS_CA_BUNDLE, as every real start is: the headline rows.
  gateCandidate('gate-node20-https', `gate register over HTTPS, AWS_CA_BUNDLE (Node ${versions.node20})`, [node20, BUNDLE], {}, { target: tlsEmulator }),
  gateCandidate('gate-node24-snapshot-image-https', `gate register over HTTPS, AWS_CA_BUNDLE (Node ${versions.node24}, snapshot, ${IMAGE_FLAGS}: the image)`, snapshotLauncher({ node: node24, blob: imageSnapshotBlob }), {}, { target: tlsEmulator }),
  // IRSA on EKS: STS AssumeRoleWithWebIdentity, then RegisterUsage signed with what STS issued.
  gateCandidate('gate-node24-snapshot-image-irsa', `gate register, IRSA over HTTPS, AWS_CA_BUNDLE: STS then RegisterUsage (Node ${versions.node24}, snapshot, ${IMAGE_FLAGS}: the image)`, snapshotLauncher({ node: node24, blob: imageSnapshotBlob }), {}, { irsa: true, target: tlsEmulator }),
];
// The single executable: the same snapshot and flags, inside one file with its node.
const BINARY = opts.binary ? resolve(opts.binary) : null;
if (BINARY) candidates.push(gateCandidate('gate-binary', `gate register (single executable \`${opts.binary}\`, ${execFileSync(BINARY, ['--version'], { encoding: 'utf8' }).trim().replace(/^.*node /, 'Node ').replace(/\)$/, '')}, same snapshot and flags)`, [BINARY]));
if (awsPath) {
  candidates.push({
    id: 'aws-cli-https',
    label: `aws meteringmarketplace register-usage over HTTPS, AWS_CA_BUNDLE (${awsVersion ?? 'AWS CLI'})`,
    kind: 'cli',
    argv: (nonce) => [
      awsPath, 'meteringmarketplace', 'register-usage',
      '--product-code', PRODUCT_CODE, '--public-key-version', '1', '--nonce', nonce,
      '--endpoint-url', tlsEmulator.url, '--output', 'json',
    ],
    env: () => taskEnv({ AWS_CA_BUNDLE: tlsEmulator.caPath }),
    check: (run, nonce) => {
      if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.trim().slice(-600)}`);
      verifyToken(JSON.parse(run.stdout).Signature, tlsEmulator.publicKey, { nonce, productCode: PRODUCT_CODE });
    },
  });
  candidates.push({
    id: 'aws-cli',
    label: `aws meteringmarketplace register-usage (${awsVersion ?? 'AWS CLI'})`,
    kind: 'cli',
    argv: (nonce) => [
      awsPath, 'meteringmarketplace', 'register-usage',
      '--product-code', PRODUCT_CODE, '--public-key-version', '1', '--nonce', nonce,
      '--endpoint-url', emulator.url, '--output', 'json',
    ],
    env: () => taskEnv(),
    check: (run, nonce) => {
      if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.trim().slice(-600)}`);
      verifyToken(JSON.parse(run.stdout).Signature, emulator.publicKey, { nonce, productCode: PRODUCT_CODE });
    },
  });
}

async function measure(candidate, { rss }) {
  const nonce = newNonce();
  candidate.before?.();
  const run = await runOnce(candidate.argv(nonce), { env: candidate.env(nonce), rss });
  try {
    candidate.check?.(run, nonce);
  } catch (error) {
    throw new Error(`${candidate.label}: ${error.message}`);
  }
  if (candidate.kind === 'floor' && run.code !== 0) throw new Error(`${candidate.label}: exit ${run.code}`);
  return run;
}

const times = new Map(candidates.map((c) => [c.id, []]));
const rssValues = new Map(candidates.map((c) => [c.id, []]));
const cpuValues = new Map(candidates.map((c) => [c.id, []]));
const progress = (text) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}   `);
};
try {
  // What an image build would do once: run the gate so that Node writes its compile cache.
  for (const id of ['gate-node24-cc', 'gate-node24-image']) await measure(candidates.find((c) => c.id === id), { rss: false });
  for (let i = 0; i < WARMUP; i += 1) for (const c of candidates) await measure(c, { rss: false });
  // Interleaved, so that a slow patch of the machine hits every candidate alike.
  for (let i = 0; i < RUNS; i += 1) {
    for (const c of candidates) times.get(c.id).push((await measure(c, { rss: false })).wallMs);
    progress(`bench-startup: timed round ${i + 1}/${RUNS}`);
  }
  for (let i = 0; i < RSS_RUNS; i += 1) {
    for (const c of candidates) {
      const run = await measure(c, { rss: true });
      rssValues.get(c.id).push(run.maxRssKiB);
      cpuValues.get(c.id).push(run.cpuMs);
    }
    progress(`bench-startup: peak-RSS round ${i + 1}/${RSS_RUNS}`);
  }
  progress('\n');
} catch (error) {
  await Promise.all([emulator.stop(), tlsEmulator.stop(), ecs.close()]);
  fail(error.message);
}
const credentialRequests = ecs.credentialRequests();
await Promise.all([emulator.stop(), tlsEmulator.stop(), ecs.close()]);
rmSync(work, { recursive: true, force: true });

// ---- report --------------------------------------------------------------------------------
const summary = new Map(candidates.map((c) => [c.id, { time: stats(times.get(c.id)), rss: stats(rssValues.get(c.id)), cpu: stats(cpuValues.get(c.id)) }]));
const median = (id) => summary.get(id)?.time.median;
const peakMiB = (id) => summary.get(id).rss.max / 1024;
const floorFor = (id) => (id.includes('node20') ? 'node20-floor' : 'node24-floor');
const bundleBytes = statSync(BUNDLE).size;
const fmt = (n, digits = 1) => n.toFixed(digits);

const rows = candidates.map((c) => {
  const s = summary.get(c.id);
  const vsFloor = c.kind === 'cli' ? median(c.id) / median('node24-floor') : median(c.id) / median(floorFor(c.id));
  const minVsFloor = c.kind === 'cli' ? s.time.min / summary.get('node24-floor').time.min : s.time.min / summary.get(floorFor(c.id)).time.min;
  return `| ${c.label} | ${fmt(s.time.median)} | ${fmt(s.time.min)} | ${fmt(s.time.max)} | ${fmt(vsFloor, 2)}× | ${fmt(minVsFloor, 2)}× | ${fmt(s.cpu.median, 0)} | ${fmt(s.rss.median / 1024)} / ${fmt(s.rss.max / 1024)} |`;
});

const verdict = (ok) => (ok ? 'met' : '**missed**');
const targetRows = [];
const addTarget = (what, figure, target, ok) => targetRows.push(`| ${what} | ${figure} | ${target} | ${verdict(ok)} |`);
const TARGET_ROWS = {
  // The headline: the image as it starts for real, over HTTPS (issue 10); the targets are judged here.
  'gate-node24-snapshot-image-https': `HTTPS with AWS_CA_BUNDLE, Node 24 + snapshot + ${IMAGE_FLAGS}, the image`,
  'gate-node24': 'Node 24',
  'gate-node24-cc': 'Node 24 + compile cache',
  'gate-node24-image': `Node 24 + compile cache + ${IMAGE_FLAGS}`,
  'gate-node24-snapshot': 'Node 24 + snapshot',
  'gate-node24-snapshot-image': `Node 24 + snapshot + ${IMAGE_FLAGS}, the image`,
  ...(BINARY ? { 'gate-binary': 'single executable' } : {}),
};
for (const [id, label] of Object.entries(TARGET_ROWS)) {
  const ratio = median(id) / median('node24-floor');
  addTarget(`median cold start ÷ \`node -e 0\` (${label})`, `${fmt(ratio, 2)}×`, `≤ ${TARGETS.ratioToNode}×`, ratio <= TARGETS.ratioToNode);
  if (awsPath) {
    // HTTPS against HTTPS, HTTP against HTTP: the same call on both sides.
    const speedup = median(id.endsWith('-https') ? 'aws-cli-https' : 'aws-cli') / median(id);
    addTarget(`AWS CLI median ÷ gate median (${label})`, `${fmt(speedup, 1)}×`, `≥ ${TARGETS.speedupOverCli}×`, speedup >= TARGETS.speedupOverCli);
  }
  addTarget(`peak RSS, worst of ${RSS_RUNS} runs (${label})`, `${fmt(peakMiB(id))} MiB`, `≤ ${TARGETS.peakRssMiB} MiB`, peakMiB(id) <= TARGETS.peakRssMiB);
}
addTarget('bundle size (`dist/metering-gate.mjs`)', `${bundleBytes.toLocaleString('en-US')} bytes (${fmt(bundleBytes / 1024)} KiB)`, `≤ ${TARGETS.bundleBytes.toLocaleString('en-US')} bytes`, bundleBytes <= TARGETS.bundleBytes);
// The binary against node + blob (the image's entrypoint), measured in this run.
let binaryTable = [];
if (BINARY) {
  const image = 'gate-node24-snapshot-image';
  const ratio = median('gate-binary') / median(image);
  const minRatio = summary.get('gate-binary').time.min / summary.get(image).time.min;
  addTarget('single executable median ÷ node + blob median', `${fmt(ratio, 3)}× (min ÷ min ${fmt(minRatio, 3)}×)`, '≤ 1×', ratio <= 1);
  const blobBytes = statSync(imageSnapshotBlob).size;
  const nodeBytes = statSync(node24).size;
  const binaryBytes = statSync(BINARY).size;
  const mib = (bytes) => `${fmt(bytes / 1048576)} MiB`;
  binaryTable = [
    '',
    '| the gate as shipped | files at run time | size | median ms | peak RSS MiB (max) |',
    '|---|---|---:|---:|---:|',
    `| node + snapshot blob (the image's entrypoint) | \`node\`, \`metering-gate.blob\` | ${mib(nodeBytes)} + ${mib(blobBytes)} = ${mib(nodeBytes + blobBytes)} | ${fmt(median(image))} | ${fmt(peakMiB(image))} |`,
    `| single executable (in the image at /usr/local/bin) | \`${opts.binary}\` | ${mib(binaryBytes)} | ${fmt(median('gate-binary'))} | ${fmt(peakMiB('gate-binary'))} |`,
  ];
}
if (!awsPath) targetRows.push('| AWS CLI median ÷ gate median | not measured: no AWS CLI found (or --no-aws) | ≥ 6× | – |');

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu} (${cpus().length} CPUs), Linux; ${RUNS} timed runs per row after ${WARMUP} warm-up runs, interleaved; peak RSS from ${RSS_RUNS} further runs under \`/usr/bin/time\`.`,
  `Command: \`${opts.command}\``,
  '',
  '| run | median ms | min ms | max ms | median × `node -e 0` (same Node) | min × min `node -e 0` | CPU ms (user+sys, median) | peak RSS MiB (median / max) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  `Wall time runs from spawn() to exit. The AWS CLI row's ratios are against Node 24's \`node -e 0\`. CPU time (10 ms resolution) and peak RSS come from the \`/usr/bin/time\` runs; CPU time and the ratio of minimums move least when other work shares the machine. Every gate run ended with exit 0 and an \`ENTITLED\` result file whose token the benchmark verified itself (PS256 under the emulator's key, with the run's own nonce); every AWS CLI run's token was verified the same way. ${credentialRequests} credential requests reached the fake container credential endpoint.`,
  '',
  '| target | figure | target | |',
  '|---|---|---|---|',
  ...targetRows,
  ...binaryTable,
].join('\n');

process.stdout.write(`${report}\n`);
rmSync(snapshotDir, { recursive: true, force: true });

if (opts.write) {
  const begin = '<!-- bench-startup:begin -->';
  const end = '<!-- bench-startup:end -->';
  const block = `${begin}\n${report}\n${end}`;
  const current = existsSync(opts.write) ? readFileSync(opts.write, 'utf8') : '';
  const at = current.indexOf(begin);
  const until = current.indexOf(end);
  const next = at >= 0 && until > at ? `${current.slice(0, at)}${block}${current.slice(until + end.length)}` : `${current}${current && !current.endsWith('\n') ? '\n' : ''}\n${block}\n`;
  writeFileSync(opts.write, next);
  process.stderr.write(`bench-startup: wrote the figures into ${opts.write}\n`);
}
