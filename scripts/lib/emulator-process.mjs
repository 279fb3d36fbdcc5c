// Starts `metering-gate emulator` as its own process, for tests and benchmarks alike: its
// throttle and its event loop stay apart from the gates under test.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Resolves once the emulator has printed its listening line. stdout and stderr are drained
 * for as long as it runs (it logs a line per request to stderr), so it can never block on a
 * full pipe; the last few kilobytes of stderr are kept for the error if it fails to start.
 */
export async function startEmulatorProcess({
  bundle,
  node = process.execPath,
  scenario = 'entitled',
  taskRegion = 'us-east-1',
  secretAccessKey,
  extraArgs = [],
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gate-emulator-'));
  const keyPath = join(dir, 'emulator-key.pem');
  const args = [bundle, 'emulator', '--port', '0', '--scenario', scenario, '--key-out', keyPath, ...extraArgs];
  if (taskRegion) args.push('--task-region', taskRegion);
  if (secretAccessKey) args.push('--secret-access-key', secretAccessKey);
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let stderrTail = '';
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-4096);
  });
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator exited ${code} before it listened: ${stderrTail}`)));
  });
  child.stdout.resume();
  const ready = JSON.parse(line);
  const url = ready.url;
  // fetch() cannot be given a CA; over --tls the control requests trust the emulator's own.
  const ca = ready.caPath ? readFileSync(ready.caPath, 'utf8') : null;
  const control = (path, init = {}) => (ca ? httpsControl(`${url}/_emulator/${path}`, init, ca) : fetch(`${url}/_emulator/${path}`, init));
  return {
    url,
    keyPath,
    /** With --tls --ca-out: the CA file; with --proxy-port: the proxy's URL. */
    caPath: ready.caPath ?? null,
    proxyUrl: ready.proxyUrl ?? null,
    /** The CONNECT requests the --proxy-port proxy received: target, status, whether credentials came. */
    async proxyRequests() {
      return (await control('proxy-requests')).json();
    },
    ready,
    pid: child.pid,
    async requests() {
      return (await control('requests')).json();
    },
    async clearRequests() {
      await control('requests', { method: 'DELETE' });
    },
    /** Switches the scenario (its counters start again) and clears the request log. */
    async setScenario(name) {
      const response = await control('scenario', { method: 'PUT', body: JSON.stringify({ scenario: name }), headers: { 'content-type': 'application/json' } });
      if (!response.ok) throw new Error(`could not set scenario ${name}: ${response.status} ${await response.text()}`);
      await control('requests', { method: 'DELETE' });
    },
    /** Switches how STS answers (AssumeRoleWithWebIdentity) and clears the request log. */
    async setStsScenario(name) {
      const response = await control('scenario', { method: 'PUT', body: JSON.stringify({ stsScenario: name }), headers: { 'content-type': 'application/json' } });
      if (!response.ok) throw new Error(`could not set STS scenario ${name}: ${response.status} ${await response.text()}`);
      await control('requests', { method: 'DELETE' });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The little of fetch()'s answer the control calls use, over HTTPS with the emulator's CA. */
function httpsControl(url, { method = 'GET', body, headers = {} }, ca) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, text: async () => text, json: async () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
