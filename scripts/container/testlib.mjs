// Shared by test/container, test/chart and test/ecs (kept out of test/ so node --test does not
// run it as a test file). Everything container-related goes through engine.sh.
import { startEmulatorProcess } from '../lib/emulator-process.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, chownSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(new URL('../..', import.meta.url).pathname);
export const engineScript = join(repoRoot, 'scripts/container/engine.sh');
export const bundle = join(repoRoot, 'dist/metering-gate.mjs');

/** "docker" | "podman" | null, plus the reason when null. */
export function detectEngine(env = {}) {
  const r = spawnSync(engineScript, ['name'], { encoding: 'utf8', env: { ...process.env, ...env } });
  return r.status === 0 ? { name: r.stdout.trim(), reason: null } : { name: null, reason: r.stderr.trim() };
}

/** Run the engine (through engine.sh) and collect its output. */
export function engine(args, { env = {}, timeout = 300_000, input } = {}) {
  const r = spawnSync(engineScript, args, {
    encoding: 'utf8', env: { ...process.env, ...env }, timeout, input, maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Same, without blocking the event loop (for long runs). */
export function engineAsync(args, { env = {}, timeout = 300_000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(engineScript, args, { env: { ...process.env, ...env } });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeout);
    child.on('close', (status, signal) => { clearTimeout(timer); resolvePromise({ status, signal, stdout, stderr }); });
  });
}

export function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Build dist/metering-gate.mjs if it is missing (make test builds it first). */
export function ensureBundle() {
  if (existsSync(bundle)) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the bundle failed:\n${r.stderr}`);
}

const imagePromises = new Map();
/**
 * Build (or reuse) the image with scripts/container/image.sh; resolves to { tag, log }.
 * `env` may force an engine (CONTAINER_ENGINE=podman for kube play).
 */
export function ensureImage(env = {}) {
  const key = JSON.stringify(env);
  if (!imagePromises.has(key)) {
    imagePromises.set(key, new Promise((resolvePromise, reject) => {
      // No image can be pulled on the project's machines: tests ask for local stand-in bases
      // (METERING_GATE_STANDIN_BASES=0 in the environment tests the real, pulled ones).
      const child = spawn(join(repoRoot, 'scripts/container/image.sh'), [], {
        cwd: repoRoot, env: { METERING_GATE_STANDIN_BASES: '1', ...process.env, ...env },
      });
      let stdout = ''; let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => {
        if (code === 0) resolvePromise({ tag: stdout.trim().split('\n').pop(), log: stderr.trim() });
        else reject(new Error(`scripts/container/image.sh failed (${code}):\n${stderr}`));
      });
    }));
  }
  return imagePromises.get(key);
}

/** A temporary directory; owned by the image's user (65532) when asked and we are root. */
export function tempDir(prefix, { ownedByImageUser = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `mg-${prefix}-`));
  chmodSync(dir, 0o755);
  if (ownedByImageUser) {
    if (process.getuid?.() === 0) chownSync(dir, 65532, 65532);
    else chmodSync(dir, 0o777);
  }
  return dir;
}

/** Start `metering-gate emulator` on the host (127.0.0.1, a free port) with a scenario (and e.g. --tls --ca-out FILE). */
export async function startEmulator(scenario, { region = 'us-east-1', extraArgs = [] } = {}) {
  ensureBundle();
  const emulator = await startEmulatorProcess({ bundle, scenario, taskRegion: region, extraArgs });
  return { ...emulator, key: () => readFileSync(emulator.keyPath, 'utf8') };
}

/** Parse the last JSON line of a text (the gate's one-line result on stdout). */
export function lastJsonLine(text) {
  const lines = text.trim().split('\n').filter((l) => l.trim().startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try { return JSON.parse(lines[i]); } catch { /* next */ }
  }
  return null;
}

/**
 * Environment variable names (METERING_GATE_* and AWS_*) a deployment may set: those the
 * contract defines, plus the project's own additions, which the README must document (the
 * contract is the shared spec, which this project reads but does not edit).
 */
export function contractEnvNames() {
  const names = new Set();
  const sources = [];
  for (const candidate of [join(repoRoot, '../shared/spec/contract.md'), join(repoRoot, 'README.md')]) {
    if (!existsSync(candidate)) continue;
    const found = readFileSync(candidate, 'utf8').match(/\b(?:METERING_GATE|AWS)_[A-Z0-9_]+\b/g) ?? [];
    if (!found.some((n) => n.startsWith('METERING_GATE_'))) continue;
    for (const n of found) names.add(n);
    sources.push(candidate);
  }
  return sources.length ? { source: sources.join(' or '), names } : null;
}
