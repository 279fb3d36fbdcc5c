// A single-image product (issue 14): the seller's own image has no Node, only glibc (the
// Debian, Ubuntu, UBI or Amazon Linux base of a Go, Java or Python server), and gets the gate
// with two lines: the single executable copied in, and `metering-gate exec --` in front of
// the server. Built here as a stand-in "seller image" from scratch (no base can be pulled):
// glibc and libstdc++ (what the binary's node needs, as distroless `cc` has them), the host's
// /bin/sh and sleep for a tiny server written in shell, dist/metering-gate-linux-<arch>, and
// nothing else. Run under the container engine against the emulator on the host's loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { detectEngine, engine, engineAsync, ensureImage, repoRoot, startEmulator, tempDir } from '../../scripts/container/testlib.mjs';

const BINARY = join(repoRoot, 'dist', `metering-gate-linux-${process.arch}`);
const REAPER = join(repoRoot, 'native', 'reaper', 'prebuilt', `reaper-linux-${process.arch}.node`);
const found = detectEngine();
const skip = found.name ? false : `no container engine here, skipped: ${found.reason}`;
if (!skip && !existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "make binary" (make test does) before this test`);

const PRODUCT = 'mgsellerimage0123456789';
const OUT = '/var/run/metering-gate';
const KEY_IN = '/etc/seller/metering-public-key.pem';
const MARKS = '/marks';
const SERVER_EXIT_ON_TERM = 42;
const TEST_CREDS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'seller-image-test-not-a-secret', AWS_REGION: 'us-east-1' };

// The seller's server: it checks the gate's result itself, as the README tells sellers to,
// marks that it started, then serves until SIGTERM, on which it exits with its own code.
const SERVER = `#!/bin/sh
echo "server: started with METERING_GATE_STATUS=$METERING_GATE_STATUS"
: > ${MARKS}/server-started
if ! /usr/local/bin/metering-gate verify --product-code ${PRODUCT} --result "$METERING_GATE_RESULT_FILE" >${MARKS}/verify.out 2>&1; then
  echo "server: metering-gate verify refused the result"; exit 97
fi
echo "server: verified"
# Leave three orphans (each inner sh exits at once; its sleep goes to PID 1, the gate), wait
# past their exit, and count the zombies left in the container: exec's reaper collects them.
for i in 1 2 3; do sh -c 'sleep 0.1 &'; done
sleep 1
zombies=0
for f in /proc/[0-9]*/stat; do
  read -r stat < "$f" 2>/dev/null || continue
  case "$stat" in *") Z "*) zombies=$((zombies + 1)) ;; esac
done
echo "$zombies" > ${MARKS}/zombies
trap 'echo "server: SIGTERM, exiting ${SERVER_EXIT_ON_TERM}"; : > ${MARKS}/server-got-term; exit ${SERVER_EXIT_ON_TERM}' TERM
: > ${MARKS}/server-ready
while :; do sleep 1 & wait $!; done
`;

// The seller's Dockerfile: their base, then the three lines the README gives (the reaper from
// the checkout here, as the gate image carries the same file).
const CONTAINERFILE = `FROM scratch
COPY rootfs/ /
COPY metering-gate /usr/local/bin/metering-gate
COPY reaper.node /usr/local/lib/metering-gate/reaper.node
ENTRYPOINT ["/usr/local/bin/metering-gate", "exec", "--", "/app/server.sh"]
`;

let image;
const emulators = [];
const containers = new Set();
const dirs = [];

/** Copies a binary's shared libraries (and the loader) into rootfs, at the same paths. */
function copyLibraries(rootfs, binaries) {
  const libs = new Set();
  for (const binary of binaries) {
    for (const path of execFileSync('ldd', [binary], { encoding: 'utf8' }).match(/\/[^\s)]+/g) ?? []) libs.add(path);
  }
  for (const lib of libs) {
    mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(rootfs, lib));
  }
  return [...libs];
}

/** Builds the seller image once per set of inputs (tagged with their hash; vfs makes builds slow). */
function buildSellerImage() {
  const binaryHash = createHash('sha256').update(readFileSync(BINARY)).update(readFileSync(REAPER)).digest('hex');
  const inputs = createHash('sha256').update(`${binaryHash}\n${SERVER}\n${CONTAINERFILE}\n${readFileSync(new URL(import.meta.url))}`).digest('hex').slice(0, 16);
  const tag = `localhost/metering-gate-test/seller-image:${inputs}`;
  if (engine(['image', 'inspect', tag]).status === 0) return tag;

  const context = tempDir('seller-image-context');
  dirs.push(context);
  const rootfs = join(context, 'rootfs');
  for (const dir of ['app', 'bin', 'usr/bin', 'tmp', 'etc', OUT.slice(1), MARKS.slice(1)]) mkdirSync(join(rootfs, dir), { recursive: true });
  const sh = execFileSync('sh', ['-c', 'readlink -f "$(command -v sh)"'], { encoding: 'utf8' }).trim();
  const sleep = execFileSync('sh', ['-c', 'readlink -f "$(command -v sleep)"'], { encoding: 'utf8' }).trim();
  copyFileSync(sh, join(rootfs, 'bin/sh'));
  copyFileSync(sleep, join(rootfs, 'usr/bin/sleep'));
  chmodSync(join(rootfs, 'bin/sh'), 0o755);
  chmodSync(join(rootfs, 'usr/bin/sleep'), 0o755);
  const libs = copyLibraries(rootfs, [BINARY, sh, sleep]);
  // The point of the test: glibc and its C++ runtime, no Node anywhere in the image.
  assert.ok(libs.some((lib) => /libc\.so/.test(lib)) && libs.some((lib) => /libstdc\+\+/.test(lib)), `glibc and libstdc++ expected: ${libs}`);
  const listing = execFileSync('find', [rootfs], { encoding: 'utf8' });
  assert.doesNotMatch(listing, /\/node(js)?(\/|$)/m, 'the seller image must not contain node');
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nseller:x:65532:65532:seller:/tmp:/sbin/nologin\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nseller:x:65532:\n');
  writeFileSync(join(rootfs, 'app/server.sh'), SERVER);
  chmodSync(join(rootfs, 'app/server.sh'), 0o755);
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(BINARY, join(context, 'metering-gate'));
  chmodSync(join(context, 'metering-gate'), 0o755);
  copyFileSync(REAPER, join(context, 'reaper.node'));
  writeFileSync(join(context, 'Containerfile'), CONTAINERFILE);
  const built = engine(['build', '-q', '-t', tag, '-f', join(context, 'Containerfile'), context], { timeout: 600_000 });
  assert.equal(built.status, 0, `building the seller image failed:\n${built.stderr}`);
  // Older seller images of this test are superseded.
  const old = engine(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter((ref) => ref.startsWith('localhost/metering-gate-test/seller-image:') && ref !== tag);
  for (const ref of old) engine(['rmi', ref]);
  return tag;
}

before(() => {
  if (skip) return;
  image = buildSellerImage();
}, { timeout: 600_000 });

after(() => {
  for (const name of containers) engine(['rm', '-f', '-t', '0', name]);
  for (const emulator of emulators) emulator.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the seller image detached against an emulator scenario; returns what the test needs to watch it. */
async function startSellerContainer(scenario) {
  const emulator = await startEmulator(scenario);
  emulators.push(emulator);
  const out = tempDir(`seller-${scenario}`, { ownedByImageUser: true });
  const marks = tempDir(`seller-marks-${scenario}`, { ownedByImageUser: true });
  const keyDir = tempDir(`seller-key-${scenario}`);
  dirs.push(out, marks, keyDir);
  const keyFile = join(keyDir, 'public-key.pem');
  writeFileSync(keyFile, emulator.key());
  chmodSync(keyFile, 0o644);
  const name = `mg-binary-seller-${scenario}-${process.pid}-${Date.now()}`;
  const env = {
    METERING_GATE_PRODUCT_CODE: PRODUCT,
    METERING_GATE_PUBLIC_KEY_FILE: KEY_IN,
    METERING_GATE_ENDPOINT_URL: emulator.url,
    METERING_GATE_DEADLINE: '20s',
    METERING_GATE_TERMINATION_LOG: '/tmp/termination-log',
    ...TEST_CREDS,
  };
  const run = engine([
    'run', '-d', '--name', name, '--network=host', '--read-only', '--cap-drop', 'ALL', '--user', '65532:65532',
    '-v', `${out}:${OUT}`, '-v', `${marks}:${MARKS}`, '-v', `${keyFile}:${KEY_IN}:ro`,
    ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    image,
  ]);
  assert.equal(run.status, 0, `podman run failed: ${run.stderr}`);
  containers.add(name);
  return { name, out, marks };
}

/** Polls until `done()` holds, or fails with what the container said. */
async function until(done, { name, what, timeoutMs = 60_000 }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const logs = engine(['logs', name]);
  assert.fail(`timed out waiting for ${what}\n${logs.stdout}\n${logs.stderr}`);
}

const exitCodeOf = async (name) => {
  const waited = await engineAsync(['wait', name], { timeout: 120_000 });
  assert.equal(waited.status, 0, waited.stderr);
  return Number(waited.stdout.trim().split('\n').pop());
};

test('entitled: the server starts under exec, verifies the result with metering-gate verify, and SIGTERM to the container reaches it and ends the container with its exit code', { skip, timeout: 180_000 }, async () => {
  const { name, out, marks } = await startSellerContainer('entitled');
  await until(() => existsSync(join(marks, 'server-ready')), { name, what: 'the server to verify the result and be ready' });
  const result = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'ENTITLED');
  assert.equal(result.signatureVerified, true);
  // The server's own check passed (verify prints its verdict as JSON).
  const verified = JSON.parse(readFileSync(join(marks, 'verify.out'), 'utf8').trim().split('\n').filter((line) => line.startsWith('{')).pop());
  assert.equal(verified.verified, true, JSON.stringify(verified));
  assert.equal(readFileSync(join(marks, 'zombies'), 'utf8').trim(), '0', 'exec, as PID 1, collected the orphans the server left');

  const kill = engine(['kill', '--signal', 'TERM', name]);
  assert.equal(kill.status, 0, kill.stderr);
  const code = await exitCodeOf(name);
  const logs = engine(['logs', name]);
  assert.ok(existsSync(join(marks, 'server-got-term')), `the server's TERM trap ran\n${logs.stdout}\n${logs.stderr}`);
  assert.equal(code, SERVER_EXIT_ON_TERM, `the container exits with the server's code\n${logs.stdout}\n${logs.stderr}`);
  assert.match(logs.stdout, /server: verified/);
  assert.match(logs.stdout, /METERING_GATE_STATUS=ENTITLED/);
});

test('not entitled: the gate exits 3 and the server never starts', { skip, timeout: 180_000 }, async () => {
  const { name, out, marks } = await startSellerContainer('not-entitled');
  const code = await exitCodeOf(name);
  const logs = engine(['logs', name]);
  assert.equal(code, 3, `${logs.stdout}\n${logs.stderr}`);
  assert.deepEqual(readdirSync(marks), [], 'the server left no trace: it never ran');
  assert.doesNotMatch(logs.stdout, /server:/);
  const result = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  assert.equal(result.status, 'NOT_ENTITLED');
  assert.equal(result.errorCode, 'CUSTOMER_NOT_ENTITLED');
});

// The README tells sellers to copy the binary from the gate image; it must be there, and be
// this build: the image's version and commit labels are what it prints.
test('the gate image carries the binary at /usr/local/bin/metering-gate, stamped with the image\'s version and commit', { skip, timeout: 900_000 }, async () => {
  const gateTag = (await ensureImage()).tag;
  const labels = JSON.parse(engine(['image', 'inspect', '--format', '{{json .Config.Labels}}', gateTag]).stdout);
  const version = engine(['run', '--rm', '--network=none', '--read-only', '--cap-drop', 'ALL', '--entrypoint', '/usr/local/bin/metering-gate', gateTag, '--version']);
  assert.equal(version.status, 0, version.stderr);
  const revision = labels['org.opencontainers.image.revision'];
  const commit = /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
  assert.equal(version.stdout.trim().replace(/node v24\.\d+\.\d+/, 'node v24'), `metering-gate ${labels['org.opencontainers.image.version']} (commit ${commit}, node v24)`);
});
