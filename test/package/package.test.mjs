// The npm package as a seller's project gets it: packed from a clean copy of the sources (the
// prepack script must build), installed from the tarball alone into new projects (ESM,
// CommonJS, TypeScript NodeNext as ESM and as CommonJS), type-checked, and run against a
// genuine result file that the gate wrote from the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir, ROOT } from '../helpers/gate.mjs';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The bare specifiers a built file really loads (parsed by esbuild, so strings in messages do not count). */
async function bareImports(file) {
  const result = await build({
    entryPoints: [file], bundle: true, write: false, metafile: true, platform: 'node', logLevel: 'silent',
    plugins: [{ name: 'all-external', setup(b) { b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true })); } }],
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  return [...new Set(imports.filter((p) => !BUILTINS.has(p)).map((p) => (p.startsWith('@') ? p.split('/').slice(0, 2) : p.split('/').slice(0, 1)).join('/')))].sort();
}

test('runtime dependencies are exactly what the library files load: the CLI bundle carries its own', async () => {
  const needed = [...new Set([...await bareImports(join(ROOT, 'dist', 'lib.mjs')), ...await bareImports(join(ROOT, 'dist', 'lib.cjs'))])].sort();
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), needed,
    'package.json "dependencies" must list exactly the packages dist/lib.mjs and dist/lib.cjs import; anything bundled belongs in devDependencies');
  assert.deepEqual(await bareImports(join(ROOT, 'dist', 'metering-gate.mjs')), [], 'the CLI bundle runs with no node_modules');
});

test('LICENSE, repository and homepage are there, and say the same licence', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
  assert.match(pkg.homepage ?? '', /^https:\/\//);
  assert.equal(pkg.scripts.prepack, 'node scripts/build.mjs');
});

let tarball;
let files;
let genuine; // a result the gate wrote against the emulator, with the key that verifies it
let emulator;
before(async () => {
  // A clean copy of what git tracks (no dist/), with the installed node_modules linked in:
  // `npm pack` there must build through prepack, as it does in a fresh clone.
  const work = tempDir('gate-pack-');
  const clone = join(work, 'clone');
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree
    mkdirSync(join(clone, file, '..'), { recursive: true });
    cpSync(join(ROOT, file), join(clone, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: clone, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path).sort();

  emulator = await startEmulator({ taskRegion: 'us-east-1' });
  const dir = tempDir('gate-pack-result-');
  const gate = await runGate(gateArgs(emulator, dir), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: dir });
  assert.equal(gate.code, 0, gate.stderr);
  genuine = { file: join(dir, 'entitlement.json'), key: emulator.keyPath, productCode: 'prod-test-1' };
}, { timeout: 240_000 });
after(async () => { await emulator?.stop(); });

test('the packed tarball holds the CLI, both library builds and their types, exec\'s reaper, and nothing else', () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/metering-gate.mjs', 'dist/lib.mjs', 'dist/lib.cjs', 'dist/lib.d.ts', 'dist/lib.d.cts', 'dist/types/lib/index.d.ts',
    'native/reaper/prebuilt/reaper-linux-x64.node', 'native/reaper/prebuilt/reaper-linux-arm64.node']) {
    assert.ok(files.includes(f), `${f} is in the package: ${files.join(', ')}`);
  }
  for (const f of files) {
    assert.ok(!f.includes('snapshot'), `the startup snapshot's input is not published: ${f}`);
    assert.match(f, /^(package\.json|README\.md|LICENSE|dist\/(metering-gate\.mjs|lib\.(mjs|cjs|d\.ts|d\.cts)|types\/.+\.d\.ts)|native\/reaper\/prebuilt\/reaper-linux-(x64|arm64)\.node)$/, `unexpected file in the package: ${f}`);
  }
});

/** A new project with the tarball installed from the file alone (no registry, no cache needed). */
async function consumerProject(name, packageJson, sources) {
  const dir = tempDir(`gate-consumer-${name}-`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, ...packageJson }));
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(dir, file), text);
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
  return dir;
}

// What every consumer does: a genuine file passes; a missing one is a MeteringGateError with
// the documented code, recognised with instanceof across the package boundary.
const body = (load, wrap = (code) => code) => `${load}\n${wrap(`const [file, key, productCode] = process.argv.slice(2);
const verified = await verifyEntitlement({ file, publicKey: key, productCode });
let missing;
try { await verifyEntitlement({ file: file + '.absent', publicKey: key }); } catch (error) { missing = error; }
console.log(JSON.stringify({ entitled: verified.entitled, productCode: verified.productCode, region: verified.region,
  missing: missing instanceof MeteringGateError ? [missing.code, missing.exitCode] : String(missing), exitCodes: EXIT_CODES.RESULT_MISSING }));
`)}`;
const expected = { entitled: true, productCode: 'prod-test-1', region: 'us-east-1', missing: ['RESULT_MISSING', 11], exitCodes: 11 };
const cjsWrap = (text) => `(async () => {\n${text}\n})().catch((error) => { console.error(error); process.exit(1); });\n`;

async function runConsumer(dir, file) {
  const { stdout } = await run(process.execPath, [join(dir, file), genuine.file, genuine.key, genuine.productCode], { cwd: dir });
  return JSON.parse(stdout.trim().split('\n').pop());
}

test('an ES module consumer (.mjs) imports the package and verifies', async () => {
  const dir = await consumerProject('esm', {}, { 'index.mjs': body("import { verifyEntitlement, MeteringGateError, EXIT_CODES } from 'metering-gate';") });
  assert.deepEqual(await runConsumer(dir, 'index.mjs'), expected);
});

test('a CommonJS consumer (.cjs) requires the package and verifies', async () => {
  const dir = await consumerProject('cjs', {}, { 'index.cjs': body("const { verifyEntitlement, MeteringGateError, EXIT_CODES } = require('metering-gate');", cjsWrap) });
  assert.deepEqual(await runConsumer(dir, 'index.cjs'), expected);
});

// TypeScript NodeNext, both module kinds; the consumer project uses this repository's tsc and
// @types/node rather than installing them.
const tsconfig = (root) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out',
    types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: false,
  },
  files: [root],
});
const typed = (load, wrap) => body(load, wrap).replace('const [file, key, productCode] = process.argv.slice(2);',
  "const [file, key, productCode] = process.argv.slice(2) as [string, string, string];\nconst status: 'ENTITLED' | 'NOT_ENTITLED' | 'GRACE' | 'ERROR' = (await verifyEntitlement({ file, publicKey: key })).result.status; void status;")
  .replace('let missing;', 'let missing: unknown;');

for (const [kind, file, load, wrap] of [
  ['ES module (.mts)', 'index.mts', "import { verifyEntitlement, MeteringGateError, EXIT_CODES } from 'metering-gate';", (t) => t],
  ['CommonJS (.cts)', 'index.cts', "import { verifyEntitlement, MeteringGateError, EXIT_CODES } from 'metering-gate';", cjsWrap],
]) {
  test(`a TypeScript NodeNext consumer, ${kind}: type-checks against the package's declarations and runs`, async () => {
    const dir = await consumerProject(`ts-${file.split('.')[1]}`, {}, {
      [file]: typed(load, wrap) + '// @ts-expect-error publicKey is required\nvoid (() => verifyEntitlement({ productCode: "x" }));\n',
      'tsconfig.json': tsconfig(file),
    });
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch((error) => {
      assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
    });
    assert.deepEqual(await runConsumer(dir, join('out', file.replace(/ts$/, 'js'))), expected);
  });
}

// `npx metering-gate exec` as a container's entrypoint: the installed bin (npm's link into the
// package) finds the package's reaper and collects the workload's orphans as PID 1.
const canBePid1 = execFileSync('sh', ['-c', 'unshare -Urpf --mount-proc true && echo yes || true'], { encoding: 'utf8' }).trim() === 'yes';
test('the installed CLI as PID 1 reaps with the packaged reaper', { skip: !canBePid1 && 'no user namespaces here (unshare -Urpf --mount-proc)' }, async () => {
  const dir = await consumerProject('pid1', {}, {});
  const out = tempDir('gate-consumer-pid1-out-');
  const bin = join(dir, 'node_modules', '.bin', 'metering-gate');
  const run = await runGate(['exec', ...gateArgs(emulator, out), '--', process.execPath, join(ROOT, 'test', 'fixtures', 'orphans.cjs'), '3'],
    { env: baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_LOG_LEVEL: 'warn' }), outputDir: out, command: ['unshare', '-Urpf', '--mount-proc', bin] });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^zombies: 0$/m, run.stderr);
  assert.doesNotMatch(run.stderr, /reaper addon was not found/);
});
