#!/usr/bin/env node
// Builds the gate as one executable file: a Node 24 single executable application (SEA) whose
// blob is the startup snapshot of dist/metering-gate.snapshot.cjs, so that nothing beside the
// file is needed at run time (no node, no blob, no bundle).
//
//   node scripts/binary.mjs [--arch native|x64|arm64|all] [--node PATH --out PATH]
//
// --arch (default native) builds dist/metering-gate-linux-<arch> from the Node 24 that
// scripts/node24.sh fetches for that architecture; `all` adds arm64 where it can be built here
// and says why not otherwise. --node/--out build one binary from the given node instead (the
// Dockerfile's binary stage). Run `npm run build` first.
//
// A snapshot is made by the node that will run it, so a foreign architecture's snapshot is
// built under qemu-user (qemu-aarch64-static, with an aarch64 glibc from Debian's
// libc6-arm64-cross and libstdc++6-arm64-cross). Built binaries are kept under .cache/binary,
// keyed by their inputs: postject rewrites a 120 MB file, which takes seconds to tens of seconds.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SNAPSHOT_NODE_FLAGS } from './lib/snapshot.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'dist', 'metering-gate.snapshot.cjs');
/** Node's documented fuse: the string a SEA-capable node looks for to know a blob was injected. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Where Debian's *-arm64-cross packages put an aarch64 glibc and libstdc++. */
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

/**
 * The SEA configuration. execArgv gives the binary the V8 flags the image's node runs with,
 * and the snapshot is built under them too (scripts/lib/snapshot.mjs says why they must
 * match). execArgvExtension "none": a seller's image may set NODE_OPTIONS for its own Node
 * server (a --require of a tracer, a heap size); the gate must neither load that nor let it
 * change the flags its snapshot was built with. The server still gets NODE_OPTIONS from exec.
 */
export function seaConfig({ entry = ENTRY, blob }) {
  return {
    main: entry,
    output: blob,
    useSnapshot: true,
    disableExperimentalSEAWarning: true,
    execArgv: [...SNAPSHOT_NODE_FLAGS],
    execArgvExtension: 'none',
  };
}

/** How to run a node of `arch` on this machine: [] natively, a qemu-user prefix, or a reason why not. */
export function runnerFor(arch) {
  if (arch === nativeArch()) return { prefix: [] };
  if (arch !== 'arm64') return { reason: `cannot run a linux-${arch} node on ${process.arch}` };
  const qemu = ['/usr/bin/qemu-aarch64-static', '/usr/bin/qemu-aarch64'].find((path) => existsSync(path));
  if (!qemu) return { reason: 'no qemu-aarch64-static (Debian: apt-get install qemu-user-static)' };
  if (!existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1')) || !existsSync(join(ARM64_SYSROOT, 'lib', 'libstdc++.so.6'))) {
    return { reason: `no aarch64 glibc in ${ARM64_SYSROOT} (Debian: apt-get install libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)` };
  }
  return { prefix: [qemu, '-L', ARM64_SYSROOT] };
}

export function nativeArch() {
  return process.arch === 'x64' || process.arch === 'arm64' ? process.arch : undefined;
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/**
 * Builds the single executable at `out` from `node` (run through `runner`): the SEA blob with
 * the snapshot in it, then a copy of node with the blob injected by postject. The file appears
 * at `out` only when complete.
 */
export async function buildBinary({ node, out, runner = [], entry = ENTRY }) {
  const work = mkdtempSync(join(dirname(resolve(out)), '.metering-gate-sea-'));
  try {
    const blob = join(work, 'sea.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(config, JSON.stringify(seaConfig({ entry: resolve(entry), blob })));
    const [command, ...prefix] = [...runner, resolve(node)];
    const built = spawnSync(command, [...prefix, ...SNAPSHOT_NODE_FLAGS, '--experimental-sea-config', config], { cwd: work, encoding: 'utf8' });
    // A warning here is Node saying the snapshot may be wrong (a module it does not support
    // loaded while building it): refuse it, as the image build would have no one to read it.
    const warnings = built.stderr.split('\n').filter((line) => /Warning/.test(line) && !/ExperimentalWarning: Single executable application/.test(line));
    if (built.status !== 0 || warnings.length > 0) {
      throw new Error(`the SEA blob could not be built (exit ${built.status ?? built.signal}): ${built.stderr.trim() || built.error?.message}`);
    }
    const binary = join(work, 'metering-gate');
    copyFileSync(resolve(node), binary);
    chmodSync(binary, 0o755);
    const { inject } = createRequire(import.meta.url)('postject');
    // postject reports through console.log/warn (progress, and warnings about the notes of
    // Node's ELF file that it does not need); only its result matters here.
    const { log, warn } = console;
    console.log = console.warn = () => undefined;
    try {
      await inject(binary, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
    } finally {
      Object.assign(console, { log, warn });
    }
    renameSync(binary, resolve(out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A key for everything the binary is made of: node (by version, architecture and size), the entry, the config, this script. */
function inputsKey({ node, arch, entry }) {
  const hash = createHash('sha256');
  const nodeDir = dirname(dirname(node));
  hash.update(`${arch} ${statSync(node).size} ${readFileSync(join(nodeDir, 'package.json'), 'utf8')}`);
  hash.update(readFileSync(entry));
  hash.update(JSON.stringify(seaConfig({ entry: '', blob: '' })));
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(join(ROOT, 'node_modules', 'postject', 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/** Builds (or takes from .cache/binary) dist/metering-gate-linux-<arch>; returns its path or throws with the reason. */
export async function buildForArch(arch) {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`);
  const runner = runnerFor(arch);
  if (runner.reason) throw new Error(runner.reason);
  const node = run('bash', [join(ROOT, 'scripts', 'node24.sh')], { env: { ...process.env, NODE24_ARCH: arch }, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const out = join(ROOT, 'dist', `metering-gate-linux-${arch}`);
  const cacheDir = join(ROOT, '.cache', 'binary');
  const cached = join(cacheDir, `metering-gate-linux-${arch}-${inputsKey({ node, arch, entry: ENTRY })}`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    const started = Date.now();
    await buildBinary({ node, out: cached, runner: runner.prefix });
    process.stderr.write(`binary: built linux-${arch} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    // Older builds of this architecture are superseded.
    for (const name of readdirSync(cacheDir)) {
      if (name.startsWith(`metering-gate-linux-${arch}-`) && join(cacheDir, name) !== cached) rmSync(join(cacheDir, name), { force: true });
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  copyFileSync(cached, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, out);
  // It must start and be the gate: the version line names the gate and the node inside it.
  const version = run(runner.prefix[0] ?? out, [...runner.prefix.slice(1), ...(runner.prefix.length > 0 ? [out] : []), '--version']).trim();
  if (!/^metering-gate \S+ \(commit \S+, node v24\./.test(version)) throw new Error(`${out} --version printed ${JSON.stringify(version)}`);
  return { out, version };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { arch: { type: 'string', default: 'native' }, node: { type: 'string' }, out: { type: 'string' } } });
  try {
    if (values.node || values.out) {
      if (!values.node || !values.out) throw new Error('--node and --out go together');
      await buildBinary({ node: values.node, out: values.out });
      process.stdout.write(`${values.out}\n`);
    } else {
      const native = nativeArch();
      if (!native) throw new Error(`no Node 24 single executable for ${process.arch}`);
      if (!['native', 'all', 'x64', 'arm64'].includes(values.arch)) throw new Error(`--arch must be native, x64, arm64 or all, not "${values.arch}"`);
      const arches = values.arch === 'native' ? [native] : values.arch === 'all' ? [native, ...['x64', 'arm64'].filter((arch) => arch !== native)] : [values.arch];
      for (const arch of arches) {
        try {
          const { out, version } = await buildForArch(arch);
          process.stdout.write(`${out}: ${version}\n`);
        } catch (error) {
          // `all` builds what it can; a foreign architecture that cannot be built here is skipped, loudly.
          if (values.arch !== 'all' || arch === native) throw error;
          process.stderr.write(`binary: linux-${arch} not built: ${error.message}\n`);
        }
      }
    }
  } catch (error) {
    process.stderr.write(`binary: ${error.message}\n`);
    process.exit(1);
  }
}
