// Fuzzing of the token and response path.
//  - tokens: METERING_GATE_FUZZ_COUNT (default 10,000) mutations of honest tokens (bit
//    flips, character edits, truncation, segment games, header and claim edits, re-encoding,
//    re-signing with another key, splicing, garbage) through verifyToken in-process: not one
//    may verify, and each must be refused as TOKEN_INVALID, never by another exception.
//  - bodies: random HTTP answers (status, content type, body) from a raw server, through the
//    register command in-process (METERING_GATE_FUZZ_BODIES runs) and through the built CLI
//    as a process (METERING_GATE_FUZZ_CLI_RUNS runs): each must end with a documented exit
//    code, never entitled, with exactly the two complete result files and no partial one.
// The seed is printed; METERING_GATE_FUZZ_SEED replays a run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { baseEnv, runGate, tempDir } from '../helpers/gate.mjs';
import { checkOutcome, createRng, fuzzSeed, fuzzTokens, loadFuzzTarget, mintBaseTokens, PRODUCT_CODE, signedForAnotherNonce, startRandomServer } from '../../bench/lib/fuzz-lib.mjs';

const TOKENS = Number(process.env.METERING_GATE_FUZZ_COUNT ?? 10_000);
const BODY_RUNS = Number(process.env.METERING_GATE_FUZZ_BODIES ?? 300);
const CLI_RUNS = Number(process.env.METERING_GATE_FUZZ_CLI_RUNS ?? 24);
const seed = fuzzSeed();
const tally = { tokens: 0, equivalent: 0, bodies: 0, accepted: 0 };

let target;
let answerContext;
let keyPath;
before(async () => {
  target = await loadFuzzTarget();
  const base = await mintBaseTokens(target, 6);
  answerContext = { tokens: base.tokens, publicKeyPem: base.keys.publicKeyPem, signedForOtherNonce: await signedForAnotherNonce(target, base.keys) };
  keyPath = join(tempDir('gate-fuzz-key-'), 'key.pem');
  writeFileSync(keyPath, base.keys.publicKeyPem);
  console.log(`fuzz seed ${seed} (METERING_GATE_FUZZ_SEED=${seed} replays it)`);
});

test(`token fuzz: ${TOKENS} mutated tokens, none accepted, each refused as TOKEN_INVALID`, async () => {
  const result = await fuzzTokens(target, { count: TOKENS, seed });
  tally.tokens += result.tried;
  tally.equivalent += result.equivalent;
  tally.accepted += result.accepted;
  assert.equal(result.tried, TOKENS);
  assert.deepEqual(result.failures.slice(0, 5), [], `seed ${seed}: ${result.failures.length} failure(s)`);
  // Every family of mutation was actually exercised, so a broken mutator cannot pass silently.
  for (const kind of ['bit-flip', 'char-edit', 'truncate', 'segments', 'header-edit', 'claim-edit', 're-encode', 'resign', 'splice', 'garbage']) {
    if (TOKENS >= 1_000) assert.ok((result.kinds[kind] ?? 0) > 0, `mutation family ${kind} was tried`);
  }
  console.log(`token fuzz: ${result.tried} tokens by family ${JSON.stringify(result.kinds)}; ${result.equivalent} unchanged mutations skipped`);
});

function registerFlags(url, outputDir) {
  return {
    productCode: PRODUCT_CODE,
    publicKeyFile: keyPath,
    endpointUrl: url,
    outputDir,
    terminationLog: join(outputDir, '..', `${outputDir.split('/').pop()}-termination-log`),
    deadline: '300ms',
    attemptTimeout: '250ms',
    logLevel: 'silent',
  };
}

test(`response fuzz in-process: ${BODY_RUNS} register runs against random answers`, async () => {
  const env = baseEnv({ AWS_REGION: 'us-east-1' });
  // The SDK's credential chain reads process.env, not the io env.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const server = await startRandomServer(createRng(seed ^ 0x5eed), answerContext);
  const root = tempDir('gate-fuzz-body-');
  const problems = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < BODY_RUNS) {
        const outputDir = join(root, String(next++));
        let outcome;
        try {
          const { result, exitCode } = await target.runRegistration(registerFlags(server.url, outputDir), { env, stderrIsTty: false, signal: new AbortController().signal });
          outcome = { code: exitCode, result };
        } catch (error) {
          problems.push(`runRegistration threw: ${error?.stack ?? error}`);
          continue;
        }
        const problem = checkOutcome(outcome, outputDir);
        if (problem) problems.push(problem);
        if (outcome.result.entitled) tally.accepted += 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  } finally {
    tally.bodies += server.served();
    await server.close();
  }
  assert.deepEqual(problems.slice(0, 5), [], `seed ${seed}: ${problems.length} problem(s)`);
});

test(`response fuzz through the CLI: ${CLI_RUNS} gate processes against random answers`, async () => {
  const server = await startRandomServer(createRng(seed ^ 0xc11), answerContext);
  const problems = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next++ < CLI_RUNS) {
        const out = tempDir();
        const args = ['--product-code', PRODUCT_CODE, '--public-key-file', keyPath, '--endpoint-url', server.url, '--output-dir', out, '--deadline', '400ms', '--attempt-timeout', '300ms', '--log-level', 'error'];
        const run = await runGate(args, { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out, timeoutMs: 20_000 });
        if (run.signal) problems.push(`killed by ${run.signal}`);
        const problem = checkOutcome({ code: run.code, result: run.result }, out);
        if (problem) problems.push(`${problem} | stderr: ${run.stderr.slice(-400)}`);
        if (run.result?.entitled) tally.accepted += 1;
      }
    };
    await Promise.all(Array.from({ length: 3 }, worker));
  } finally {
    tally.bodies += server.served();
    await server.close();
  }
  assert.deepEqual(problems.slice(0, 5), [], `seed ${seed}: ${problems.length} problem(s)`);
});

// Answers the fuzzer once turned into crashes (no result file, exit 1), kept as fixed cases.
const REGRESSIONS = [
  { name: 'an out-of-range PublicKeyRotationTimestamp', status: 200, body: () => JSON.stringify({ Signature: answerContext.signedForOtherNonce, PublicKeyRotationTimestamp: 1e308 }), exit: 5 },
  { name: 'an error whose message is a number', status: 400, body: () => JSON.stringify({ __type: 'CustomerNotEntitledException', message: 123 }), exit: 3 },
  { name: 'an error whose message is an object', status: 500, body: () => JSON.stringify({ __type: 'InternalServiceErrorException', message: { a: 1 } }), exit: 6 },
  { name: 'an error type named constructor', status: 400, body: () => JSON.stringify({ __type: 'constructor' }), exit: 1 },
];

for (const regression of REGRESSIONS) {
  test(`response regression: ${regression.name} ends with exit ${regression.exit} and a result file`, async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(regression.status, { 'content-type': 'application/x-amz-json-1.1' }).end(regression.body()));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const outputDir = join(tempDir('gate-fuzz-regression-'), 'out');
    try {
      const env = baseEnv({ AWS_REGION: 'us-east-1' });
      const { result, exitCode } = await target.runRegistration(registerFlags(`http://127.0.0.1:${server.address().port}`, outputDir), { env, stderrIsTty: false, signal: new AbortController().signal });
      assert.equal(exitCode, regression.exit, result.message);
      assert.equal(checkOutcome({ code: exitCode, result }, outputDir), null);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

test('fuzz summary', (t) => {
  const line = `fuzz: ${tally.tokens} tokens, ${tally.bodies} bodies, ${tally.accepted} accepted (seed ${seed})`;
  t.diagnostic(line);
  assert.equal(tally.accepted, 0);
});
