#!/usr/bin/env node
// A focused A/B of two startup-snapshot entries (say, before and after a change such as pino
// as the logger): each is built into a blob with the image's V8 flags, and both start
// `register` in the same fake ECS task against the same emulator, interleaved run by run, so
// that the machine's load falls on both alike. Reports each side's median CPU time of the
// child (user + sys, from /usr/bin/time: it moves least on a shared machine) and wall time, and
// the differences.
//
//   node bench/snapshot-ab.mjs --node24 PATH --a ENTRY.cjs --b ENTRY.cjs [--runs 40] [--label-a A] [--label-b B]
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSnapshotBlob, snapshotLauncher } from '../scripts/lib/snapshot.mjs';
import { newNonce, runOnce, startEmulator, startFakeEcsTask, stats, taskEnv, tempDir, verifyToken } from './lib-startup.mjs';

const { values: opts } = parseArgs({
  options: {
    node24: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    'label-a': { type: 'string', default: 'A' },
    'label-b': { type: 'string', default: 'B' },
    runs: { type: 'string', default: '40' },
    bundle: { type: 'string', default: 'dist/metering-gate.mjs' },
  },
});
if (!opts.node24 || !opts.a || !opts.b) {
  process.stderr.write('usage: node bench/snapshot-ab.mjs --node24 PATH --a ENTRY.cjs --b ENTRY.cjs [--runs 40]\n');
  process.exit(2);
}
const runs = Number(opts.runs);
const work = tempDir('gate-ab-');
const home = join(work, 'home');
mkdirSync(home);
const sides = [
  { label: opts['label-a'], entry: resolve(opts.a), times: [], cpu: [] },
  { label: opts['label-b'], entry: resolve(opts.b), times: [], cpu: [] },
];
for (const [index, side] of sides.entries()) {
  side.blob = join(work, `side-${index}.blob`);
  buildSnapshotBlob({ node: opts.node24, blob: side.blob, entry: side.entry });
  side.launcher = snapshotLauncher({ node: opts.node24, blob: side.blob });
  side.outputDir = join(work, `out-${index}`);
}

const ecs = await startFakeEcsTask();
const emulator = await startEmulator(process.execPath, resolve(opts.bundle));
const PRODUCT_CODE = 'prod-ab-1';
try {
  for (let round = -2; round < runs; round += 1) {
    // Alternate which side goes first, so neither always follows the other.
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const nonce = newNonce();
      rmSync(join(side.outputDir, 'entitlement.json'), { force: true });
      const run = await runOnce([...side.launcher, 'register'], {
        rss: true,
        env: taskEnv(home, ecs, {
          METERING_GATE_PRODUCT_CODE: PRODUCT_CODE,
          METERING_GATE_PUBLIC_KEY_FILE: emulator.keyPath,
          METERING_GATE_ENDPOINT_URL: emulator.url,
          METERING_GATE_OUTPUT_DIR: side.outputDir,
          METERING_GATE_NONCE: nonce,
          METERING_GATE_TERMINATION_LOG: join(work, 'termination-log'),
        }),
      });
      if (run.code !== 0) throw new Error(`${side.label}: exit ${run.code}: ${run.stderr.slice(-600)}`);
      const result = JSON.parse(readFileSync(join(side.outputDir, 'entitlement.json'), 'utf8'));
      verifyToken(result.signature, emulator.publicKey, { nonce, productCode: PRODUCT_CODE });
      if (round >= 0) {
        side.times.push(run.wallMs);
        side.cpu.push(run.cpuMs);
      }
    }
  }
} finally {
  await emulator.stop();
  await ecs.close();
}
const report = (key, unit) => {
  const [a, b] = sides.map((side) => ({ label: side.label, ...stats(side[key]) }));
  const line = (s) => `${s.label}: ${unit} median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, n ${s.n})`;
  return `${line(a)}\n${line(b)}\n${b.label} - ${a.label}: ${(b.median - a.median).toFixed(1)} ms ${unit} on the median (${((b.median / a.median - 1) * 100).toFixed(1)}%)\n`;
};
process.stdout.write(report('cpu', 'CPU') + report('times', 'wall'));
