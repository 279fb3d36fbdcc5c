// Bad input: one line naming the input, the value and what is allowed; exit 2; no request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

const CASES = [
  { name: 'product code with a space', args: ['--product-code', 'bad code'], message: /^invalid --product-code "bad code": must be 1-255 characters/ },
  { name: 'product code too long', args: ['--product-code', 'x'.repeat(256)], message: /^invalid --product-code ".*\.\.\.": must be 1-255 characters/ },
  { name: 'product code from env', env: { METERING_GATE_PRODUCT_CODE: 'semi;colon' }, drop: ['--product-code'], message: /^invalid METERING_GATE_PRODUCT_CODE "semi;colon"/ },
  { name: 'key version 0', args: ['--public-key-version', '0'], message: /^invalid --public-key-version "0": must be an integer >= 1$/ },
  { name: 'key version not a number', env: { METERING_GATE_PUBLIC_KEY_VERSION: 'two' }, message: /^invalid METERING_GATE_PUBLIC_KEY_VERSION "two"/ },
  { name: 'nonce too long', args: ['--nonce', 'n'.repeat(256)], message: /^invalid --nonce .*: must be 1-255 characters$/ },
  { name: 'duration with a bad unit', args: ['--deadline', '5 minutes'], message: /^invalid --deadline "5 minutes": must be a duration such as 500ms, 10s, 5m, 1h or 1m30s .*from 100ms to 1d$/ },
  // Node's timers hold at most about 24.8 days: 597h used to become 1 ms, and 1200h a RangeError (exit 1).
  { name: 'attempt timeout beyond any realistic value', args: ['--attempt-timeout', '597h'], message: /^invalid --attempt-timeout "597h": must be from 100ms to 1h$/ },
  { name: 'attempt timeout beyond Node\'s timer limit', args: ['--attempt-timeout', '1200h'], message: /^invalid --attempt-timeout "1200h": must be from 100ms to 1h$/ },
  { name: 'a duration without a unit', env: { METERING_GATE_DEADLINE: '30' }, message: /^invalid METERING_GATE_DEADLINE "30": a duration needs a unit \(30ms, 30s, 30m or 30h\), from 100ms to 1d$/ },
  { name: 'clock skew above its range', args: ['--clock-skew', '2h'], message: /^invalid --clock-skew "2h": must be from 0 to 1h$/ },
  { name: 'attempt timeout from env', env: { METERING_GATE_ATTEMPT_TIMEOUT: '-1s' }, message: /^invalid METERING_GATE_ATTEMPT_TIMEOUT "-1s"/ },
  { name: 'on-unavailable', args: ['--on-unavailable', 'maybe'], message: /^invalid --on-unavailable "maybe": must be deny or allow$/ },
  { name: 'missing key file', args: ['--public-key-file', '/nonexistent/key.pem'], message: /^invalid --public-key-file "\/nonexistent\/key.pem": cannot read the file \(ENOENT\)/ },
  { name: 'key file that is not PEM', keyText: 'hello', message: /expected a PEM public key: "BEGIN PUBLIC KEY" \(SPKI\)/ },
  { name: 'a DER key file', keyText: DER_KEY, message: /key.der": this is a DER \(binary\) SPKI public key; the gate reads PEM$/, hint: /^convert it: openssl pkey -pubin -inform DER -in \S+key\.der -out public\.pem$/, keyFile: 'key.der' },
  { name: 'a private key', keyText: PRIVATE_PEM, message: /: this is a private key, do not ship it: the gate needs only the public key$/, hint: /openssl pkey -in \S+key\.pem -pubout -out public\.pem/ },
  { name: 'a path given as the inline key', args: ['--public-key', 'k.pem'], drop: ['--public-key-file'], message: /^invalid --public-key \(inline PEM, 5 characters\): this looks like a file path, not a key: did you mean --public-key-file k\.pem\?$/ },
  { name: 'a path in the inline key variable', env: { METERING_GATE_PUBLIC_KEY: '/etc/metering-gate/key.pem' }, drop: ['--public-key-file'], message: /did you mean METERING_GATE_PUBLIC_KEY_FILE \/etc\/metering-gate\/key\.pem\?$/ },
  { name: 'endpoint that is not a URL', args: ['--endpoint-url', 'not a url'], message: /^invalid --endpoint-url "not a url": must be an absolute http/ },
  { name: 'region flag', args: ['--region', 'Mars-1'], message: /^invalid --region "Mars-1": must be an AWS region name/ },
  { name: 'region env', env: { AWS_REGION: 'eu-west' }, message: /^invalid AWS_REGION "eu-west": must be an AWS region name such as us-east-1, .* eusc-de-east-1$/ },
  { name: 'log level', args: ['--log-level', 'loud'], message: /^invalid --log-level "loud": must be one of fatal, error, warn, info, debug, trace, silent$/ },
  { name: 'boolean env', env: { METERING_GATE_SKIP_SIGNATURE_VERIFICATION: 'sometimes' }, message: /^invalid METERING_GATE_SKIP_SIGNATURE_VERIFICATION "sometimes": must be true or false$/ },
  { name: 'untrusted product code', args: ['--trusted-product-codes', 'paid-only'], code: 'PRODUCT_CODE_UNTRUSTED', message: /not in the trusted list \(paid-only\)/ },
];

const { publicKey: SAMPLE_PUBLIC, privateKey: SAMPLE_PRIVATE } = generateKeyPairSync('rsa', { modulusLength: 2048 });
function DER_KEY() {
  return SAMPLE_PUBLIC.export({ type: 'spki', format: 'der' });
}
function PRIVATE_PEM() {
  return SAMPLE_PRIVATE.export({ type: 'pkcs8', format: 'pem' });
}

for (const testCase of CASES) {
  test(`exit 2 before any request: ${testCase.name}`, async () => {
    await emulator.clearRequests();
    const out = tempDir();
    let args = gateArgs(emulator, out);
    for (const flag of testCase.drop ?? []) {
      const at = args.indexOf(flag);
      args = [...args.slice(0, at), ...args.slice(at + 2)];
    }
    if (testCase.keyText !== undefined) {
      const keyFile = join(out, testCase.keyFile ?? 'key.pem');
      writeFileSync(keyFile, typeof testCase.keyText === 'function' ? testCase.keyText() : testCase.keyText);
      args = [...args, '--public-key-file', keyFile];
    }
    const run = await runGate([...args, ...(testCase.args ?? [])], { env: baseEnv({ AWS_REGION: 'us-east-1', ...testCase.env }), outputDir: out });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.result.errorCode, testCase.code ?? 'CONFIG_INVALID');
    assert.match(run.result.message, testCase.message);
    // Every refusal names its fix.
    assert.match(run.result.hint, testCase.hint ?? /\w{3,}.{20,}/);
    assert.ok(!run.result.message.includes('\n'), 'one line');
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.equal((await emulator.requests()).length, 0, 'nothing reached the network');
  });
}

test('an unknown flag is a one-line usage error with exit 2', async () => {
  const run = await runGate(['--product-cod', 'x'], { env: baseEnv() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^metering-gate: unknown option '--product-cod'/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});

test('an inline key tolerates literal \\n and a one-line body (as env vars deliver it)', async () => {
  const pem = readFileSync(emulator.keyPath, 'utf8');
  const escaped = pem.trim().replace(/\n/g, '\\n');
  const oneLine = pem.replace(/\n(?!-----END)/g, '').replace('-----BEGIN PUBLIC KEY-----', '-----BEGIN PUBLIC KEY----- ').replace('-----END', ' -----END');
  await emulator.setScenario('entitled');
  for (const inline of [escaped, oneLine]) {
    const out = tempDir();
    const run = await runGate(['--product-code', 'prod-test-1', '--endpoint-url', emulator.url, '--output-dir', out], {
      env: baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_PUBLIC_KEY: inline }),
      outputDir: out,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.signatureVerified, true);
  }
});

test('the base64 body of the key alone is accepted, as the README says', async () => {
  const pem = readFileSync(emulator.keyPath, 'utf8');
  const body = pem.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
  await emulator.setScenario('entitled');
  const out = tempDir();
  const run = await runGate(['--product-code', 'prod-test-1', '--endpoint-url', emulator.url, '--output-dir', out], {
    env: baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_PUBLIC_KEY: body }),
    outputDir: out,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.signatureVerified, true);
});

test('a PKCS#1 (BEGIN RSA PUBLIC KEY) key verifies too', async () => {
  const { createPublicKey } = await import('node:crypto');
  const pkcs1 = createPublicKey(readFileSync(emulator.keyPath)).export({ type: 'pkcs1', format: 'pem' });
  const out = tempDir();
  writeFileSync(join(out, 'pkcs1.pem'), pkcs1);
  await emulator.setScenario('entitled');
  const run = await runGate(gateArgs(emulator, out, ['--public-key-file', join(out, 'pkcs1.pem')]), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
});

test('secrets never reach the logs or the result', async () => {
  await emulator.setScenario('access-denied');
  const out = tempDir();
  const env = baseEnv({ AWS_REGION: 'us-east-1', AWS_SECRET_ACCESS_KEY: 'SECRET-must-not-leak', AWS_SESSION_TOKEN: 'TOKEN-must-not-leak' });
  const run = await runGate(gateArgs(emulator, out, ['--log-level', 'trace']), { env, outputDir: out });
  assert.equal(run.code, 8);
  const everything = run.stdout + run.stderr + JSON.stringify(run.file) + run.envFile;
  assert.doesNotMatch(everything, /must-not-leak/);
});

test('a region of any partition the SDK knows is accepted: the European Sovereign Cloud is signed for, not refused', async () => {
  await emulator.setScenario('entitled');
  await emulator.clearRequests();
  for (const [args, env] of [[['--region', 'eusc-de-east-1'], {}], [[], { AWS_REGION: 'eusc-de-east-1' }], [['--region', 'us-gov-west-1'], {}]]) {
    const out = tempDir();
    const run = await runGate(gateArgs(emulator, out, args), { env: baseEnv({ AWS_REGION: 'us-east-1', ...env }), outputDir: out });
    // The emulator serves us-east-1 only, so the service's own answer is InvalidRegionException: the gate let it through.
    assert.equal(run.code, 7, run.stderr);
    assert.equal(run.file.errorCode, 'INVALID_REGION');
    assert.equal(run.file.region, args[1] ?? env.AWS_REGION);
  }
  assert.deepEqual((await emulator.requests()).map((request) => request.region), ['eusc-de-east-1', 'eusc-de-east-1', 'us-gov-west-1']);
});

test('verify: a duration without a unit, or below the one-second resolution of iat, is refused with its range', async () => {
  const out = tempDir();
  const cases = [
    [['--wait', '30'], /^invalid --wait "30": a duration needs a unit \(30ms, 30s, 30m or 30h\), from 0 to 1d$/],
    [['--max-age', '1ms'], /^invalid --max-age "1ms": must be from 1s to 30d$/],
    [['--wait', '25h'], /^invalid --wait "25h": must be from 0 to 1d$/],
  ];
  for (const [args, message] of cases) {
    const run = await runGate(['verify', '--output-dir', out, '--public-key-file', emulator.keyPath, ...args], { env: baseEnv() });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.result.errorCode, 'CONFIG_INVALID');
    assert.match(run.result.message, message);
  }
});

test('--help says that durations need a unit and shows each range', async () => {
  const run = await runGate(['verify', '--help'], { env: baseEnv() });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--wait <DURATION>[\s\S]*default: 0; from 0 to 1d/);
  assert.match(run.stdout, /Durations need a unit/);
});

test('a misspelt METERING_GATE_* variable is warned about with the nearest name, never with its value', async () => {
  await emulator.clearRequests();
  const out = tempDir();
  const args = gateArgs(emulator, out).filter((arg, index, all) => arg !== '--product-code' && all[index - 1] !== '--product-code');
  const env = baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_PRODUCTCODE: 'prod-test-1', METERING_GATE_ENDPOINT: 'http://secret-looking-value.invalid', METERING_GATE_ZZZ_UNRELATED: '1' });
  const run = await runGate(args, { env, outputDir: out });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.result.message, /^missing --product-code/);
  assert.deepEqual(run.result.warnings, [
    'unknown environment variable METERING_GATE_ENDPOINT is ignored; did you mean METERING_GATE_ENDPOINT_URL?',
    'unknown environment variable METERING_GATE_PRODUCTCODE is ignored; did you mean METERING_GATE_PRODUCT_CODE?',
    'unknown environment variable METERING_GATE_ZZZ_UNRELATED is ignored',
  ]);
  assert.match(run.stderr, /"level":40.*METERING_GATE_PRODUCTCODE is ignored; did you mean METERING_GATE_PRODUCT_CODE\?/);
  assert.doesNotMatch(run.stderr + run.stdout, /secret-looking-value/);
  assert.equal((await emulator.requests()).length, 0);

  const verify = await runGate(['verify', '--output-dir', out, '--public-key-file', emulator.keyPath], { env: baseEnv({ METERING_GATE_MAX_AGE: '1h' }) });
  assert.match(verify.stderr, /unknown environment variable METERING_GATE_MAX_AGE is ignored; did you mean METERING_GATE_MAX_TOKEN_AGE\?/);
});

test('the variables the gate itself sets (entitlement.env, the chart\'s pod UID) are not warned about', async () => {
  await emulator.setScenario('entitled');
  const out = tempDir();
  const env = baseEnv({ AWS_REGION: 'us-east-1', METERING_GATE_STATUS: 'ENTITLED', METERING_GATE_RESULT_FILE: '/x', METERING_GATE_POD_UID: 'uid-1' });
  const run = await runGate(gateArgs(emulator, out), { env, outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.file.warnings, []);
});

test('a misspelt command: "did you mean", not "too many arguments"', async () => {
  for (const [word, suggestion] of [['regster', 'register'], ['verfy', 'verify'], ['emulater', 'emulator']]) {
    const run = await runGate([word, '--product-code', 'x'], { env: baseEnv() });
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `metering-gate: unknown command '${word}' (did you mean ${suggestion}?) (see metering-gate --help)\n`);
  }
  const run = await runGate(['launch'], { env: baseEnv() });
  assert.equal(run.stderr, "metering-gate: unknown command 'launch' (see metering-gate --help)\n");
});

test('a flag whose value is another flag is refused, whether a value is left over or not', async () => {
  const out = tempDir();
  let run = await runGate(['--product-code', '--public-key-file', emulator.keyPath, '--output-dir', out], { env: baseEnv() });
  assert.equal(run.code, 2);
  assert.equal(run.stderr, 'metering-gate: invalid --product-code "--public-key-file": that is an option, not a value; --product-code needs its value right after it (see metering-gate --help)\n');
  run = await runGate(['--product-code', '--skip-signature-verification', '--output-dir', out], { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
  assert.equal(run.code, 2);
  assert.match(run.file.message, /^invalid --product-code "--skip-signature-verification": that is an option, not a value; --product-code needs its CODE right after it$/);
  assert.match(run.file.hint, /give --product-code its value/);
});

test('the emulator names a port in use, with exit 2 and the fix', async () => {
  const { createServer } = await import('node:net');
  const holder = createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = holder.address();
    const run = await runGate(['emulator', '--port', String(port)], { env: baseEnv() });
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^metering-gate emulator: port ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\); stop the process that holds it .*--port 0 picks a free one`));
    assert.doesNotMatch(run.stderr, /unexpected error|\n\s+at /);
  } finally {
    holder.close();
  }
});
