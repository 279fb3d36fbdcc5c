// Pieces of the start-up benchmark (bench/startup.mjs): the loopback stand-ins for an ECS
// task's metadata and credential endpoints, one timed process run, peak RSS, and statistics.
import { spawn } from 'node:child_process';
import { createPublicKey, verify as verifySignature, constants as cryptoConstants, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorProcess } from '../scripts/lib/emulator-process.mjs';

export const TASK_REGION = 'us-east-1';
// Test-only credentials: the emulator is told the secret so that it checks SigV4 in full.
export const BENCH_CREDENTIALS = {
  AccessKeyId: 'ASIAMETERINGGATEBENCH',
  SecretAccessKey: 'metering-gate-bench-secret',
  Token: 'metering-gate-bench-session-token',
};
const AUTHORIZATION_TOKEN = 'metering-gate-bench-authorization';

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * An ECS task as the gate sees it from inside: the task metadata endpoint v4 (`/v4/task`,
 * whose TaskARN carries the region) and a container credential endpoint reached through
 * AWS_CONTAINER_CREDENTIALS_FULL_URI with an authorization token, both on loopback, which
 * the SDK's container provider allows over plain http. Every answer is served fresh.
 */
export function startFakeEcsTask() {
  let credentialRequests = 0;
  const server = createServer((req, res) => {
    const reply = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && req.url === '/v4/task') {
      return reply(200, {
        Cluster: `arn:aws:ecs:${TASK_REGION}:111122223333:cluster/bench`,
        TaskARN: `arn:aws:ecs:${TASK_REGION}:111122223333:task/bench/0123456789abcdef0123456789abcdef`,
        Family: 'seller-app',
        Revision: '1',
        DesiredStatus: 'RUNNING',
        KnownStatus: 'RUNNING',
        LaunchType: 'FARGATE',
        AvailabilityZone: `${TASK_REGION}a`,
      });
    }
    if (req.method === 'GET' && req.url === '/creds') {
      if (req.headers.authorization !== AUTHORIZATION_TOKEN) return reply(401, { message: 'bad authorization token' });
      credentialRequests += 1;
      return reply(200, {
        ...BENCH_CREDENTIALS,
        RoleArn: 'arn:aws:iam::111122223333:role/bench-task-role',
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      });
    }
    return reply(404, { message: 'not found' });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      resolve({
        env: {
          ECS_CONTAINER_METADATA_URI_V4: `${base}/v4`,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/creds`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTHORIZATION_TOKEN,
          AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
          // Fargate sets both; the gate still asks the task metadata first, as the contract says.
          AWS_REGION: TASK_REGION,
          AWS_DEFAULT_REGION: TASK_REGION,
        },
        credentialRequests: () => credentialRequests,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** The environment of a process in the fake ECS task: nothing from the caller's shell that could change the outcome. */
export function taskEnv(home, ecs, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    ...ecs.env,
    ...extra,
  };
}

/** Starts the gate's own emulator on loopback with full SigV4 checking; resolves with its URL and key. */
export async function startEmulator(node, bundle, extraArgs = []) {
  const emulator = await startEmulatorProcess({ node, bundle, taskRegion: TASK_REGION, secretAccessKey: BENCH_CREDENTIALS.SecretAccessKey, extraArgs });
  return { ...emulator, publicKey: createPublicKey(readFileSync(emulator.keyPath)) };
}

/** Checks a compact PS256 JWS against the emulator's key and the nonce that was sent, independently of the gate. */
export function verifyToken(token, publicKey, { nonce, productCode }) {
  if (typeof token !== 'string') throw new Error('no token');
  const [header, payload, signature] = token.split('.');
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'PS256') throw new Error('token is not PS256');
  const ok = verifySignature(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('token signature does not verify');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const lower = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k.toLowerCase(), v]));
  if (lower.nonce !== nonce) throw new Error(`token nonce ${lower.nonce} is not the nonce sent (${nonce})`);
  if (lower.productcode !== productCode) throw new Error(`token product code ${lower.productcode} is not ${productCode}`);
}

export function newNonce() {
  return randomUUID();
}

/**
 * Runs one process to its exit. Wall time runs from just before spawn() to the exit event,
 * so it includes exec, Node's own start, the whole run and process teardown. With `rss`,
 * the process runs under `/usr/bin/time -f %M`, which reads the child's peak resident set
 * from wait4()'s rusage (ru_maxrss) after it exits: the kernel's own figure for that one
 * process, not the parent's, and not a sample that can miss the peak. Those runs are kept
 * apart from the timed ones so that the wrapper's own exec never counts in a time.
 */
export function runOnce(argv, { env, rss = false, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    let rssFile = null;
    let command = argv;
    if (rss) {
      rssFile = join(tempDir('gate-bench-rss-'), 'maxrss');
      command = ['/usr/bin/time', '-f', '%M %U %S', '-o', rssFile, ...argv];
    }
    const started = process.hrtime.bigint();
    const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(killer);
      // stdout/stderr may still be draining after exit; wait for close to read them whole.
      child.once('close', () => {
        let maxRssKiB = null;
        let cpuMs = null;
        if (rssFile) {
          const text = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').pop() : '';
          const [rssText, user, system] = text.split(' ');
          maxRssKiB = Number(rssText);
          cpuMs = (Number(user) + Number(system)) * 1000;
          rmSync(join(rssFile, '..'), { recursive: true, force: true });
          if (!Number.isFinite(maxRssKiB) || maxRssKiB <= 0) return reject(new Error(`could not read peak RSS from /usr/bin/time: ${JSON.stringify(text)}`));
        }
        resolve({ code, signal, wallMs, maxRssKiB, cpuMs, stdout, stderr });
      });
    });
  });
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** IRSA's role and a projected service account token of the kubelet's shape (a JWT; STS, here the emulator's, checks it). */
export const IRSA_ROLE_ARN = 'arn:aws:iam::123456789012:role/metering-gate-bench';
export function writeWebIdentityToken(dir) {
  const now = Math.floor(Date.now() / 1000);
  const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = { aud: ['sts.amazonaws.com'], exp: now + 86_400, iat: now, iss: 'https://oidc.eks.us-east-1.amazonaws.com/id/BENCH', sub: 'system:serviceaccount:bench:metering-gate' };
  const path = join(dir, 'web-identity-token');
  writeFileSync(path, `${segment({ alg: 'RS256', kid: 'bench' })}.${segment(payload)}.${randomUUID().replace(/-/g, '')}`);
  return path;
}
