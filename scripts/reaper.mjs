#!/usr/bin/env node
// Builds the PID-1 reaper addon (native/reaper/reaper.c) for Linux x64 and arm64 into
// native/reaper/prebuilt/, and records the source's hash beside them.
//
//   node scripts/reaper.mjs            rebuild both (needs cc, and aarch64-linux-gnu-gcc on x64:
//                                      Debian's gcc-aarch64-linux-gnu)
//   node scripts/reaper.mjs --check    exit 1 if reaper.c changed since the prebuilds were made
//
// The prebuilds are committed: the addon is 16 KB of Node-API, which is ABI-stable across Node
// versions, so one build per architecture serves Node 20, the image's Node 24 and the single
// executable. Committing them keeps `docker build .`, the npm package and make test free of
// a C toolchain (the image's bases have none). --check, run by make test, catches a source
// change that was not rebuilt.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'native', 'reaper', 'reaper.c');
const PREBUILT = join(ROOT, 'native', 'reaper', 'prebuilt');
const HASH_FILE = join(PREBUILT, 'reaper.c.sha256');
/** The oldest Node-API version with everything reaper.c uses; Node 20 has 9. */
const NAPI_VERSION = '8';

const sourceHash = () => createHash('sha256').update(readFileSync(SOURCE)).digest('hex');

if (process.argv.includes('--check')) {
  const recorded = existsSync(HASH_FILE) ? readFileSync(HASH_FILE, 'utf8').trim() : '(none)';
  if (recorded !== sourceHash()) {
    console.error(`reaper.mjs: native/reaper/reaper.c changed since its prebuilds were made (recorded ${recorded.slice(0, 12)}, now ${sourceHash().slice(0, 12)}): run node scripts/reaper.mjs and commit native/reaper/prebuilt/`);
    process.exit(1);
  }
  process.exit(0);
}

const headers = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
const compilers = {
  x64: process.arch === 'x64' ? 'cc' : 'x86_64-linux-gnu-gcc',
  arm64: process.arch === 'arm64' ? 'cc' : 'aarch64-linux-gnu-gcc',
};
mkdirSync(PREBUILT, { recursive: true });
for (const [arch, cc] of Object.entries(compilers)) {
  const out = join(PREBUILT, `reaper-linux-${arch}.node`);
  // -s: no symbols or build paths in a committed file; the same source and compiler give the same bytes.
  execFileSync(cc, ['-shared', '-fPIC', '-O2', '-s', '-Wall', '-Wextra', '-Werror', '-std=c11', `-DNAPI_VERSION=${NAPI_VERSION}`,
    '-I', headers, SOURCE, '-o', `${out}.tmp`], { stdio: 'inherit' });
  renameSync(`${out}.tmp`, out);
  console.log(`reaper.mjs: ${out} (${cc})`);
}
writeFileSync(HASH_FILE, `${sourceHash()}\n`);
