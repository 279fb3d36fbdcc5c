// HTTP plumbing: routes `POST /` to the protocol handler and `/_emulator/*` to the
// inspection endpoints, keeps the request log, and tracks sockets so close() can end
// hanging and keep-alive connections at once instead of waiting for clients.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { errorBody } from './errors.js';
import { CONTENT_TYPE, handleRegisterUsage, type Reply } from './protocol.js';
import { createBehaviour, parseScenario, tokenBucket, type ParsedScenario } from './scenarios.js';
import { handleSts, isStsRequest, parseStsScenario, type IssuedCredentials, type StsScenario } from './sts.js';
import { startConnectProxy, type RunningProxy } from './proxy.js';
import { createSigningKeys } from './tokens.js';
import { createTlsMaterial, type CertificateValidity } from './tls.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  scenario?: string;
  /** When set, requests signed for another region get InvalidRegionException. */
  taskRegion?: string;
  /** Write the public key (SPKI PEM) here. */
  keyOut?: string;
  /** When set, verify SigV4 signatures fully with this secret; otherwise only the header is checked. */
  secretAccessKey?: string;
  /** Requests per second admitted before any scenario runs; the rest get ThrottlingException. */
  rate?: number;
  burst?: number;
  modulusLength?: number;
  /**
   * STS AssumeRoleWithWebIdentity (IRSA): the web identity token callers must present. When
   * set, RegisterUsage accepts only credentials this STS issued (or the secretAccessKey's).
   */
  webIdentityToken?: string;
  /** How STS answers: see STS_SCENARIOS. Default `ok`. */
  stsScenario?: string;
  /** Serve HTTPS with a certificate from a CA made for this run (`expired`: a server certificate that has expired, for tests). */
  tls?: CertificateValidity;
  /** Write that CA (PEM) here, for AWS_CA_BUNDLE. */
  caOut?: string;
  /** Also run an egress proxy on this port (0 picks one) that tunnels the AWS host names to the emulator. */
  proxyPort?: number;
  /** user:password the proxy requires (Basic), for tests of proxy credentials. */
  proxyCredentials?: string;
  /** Called with each protocol request once it is answered (or left hanging). */
  onRequest?: (r: RecordedRequest) => void;
}

export interface RecordedRequest {
  at: string;
  target: string | null;
  region: string | null;
  service: string | null;
  accessKeyId: string | null;
  /** RegisterUsage signed with credentials this emulator's STS issued. */
  stsIssued: boolean;
  body: unknown;
  /** 0 when no HTTP answer was sent (hang, connection-reset). */
  status: number;
  errorType: string | null;
  scenario: string;
}

export interface RunningEmulator {
  url: string;
  /** The CA file written by caOut, or null. */
  caPath: string | null;
  /** The egress proxy's URL (without credentials), or null. */
  proxyUrl: string | null;
  keyPath: string | null;
  publicKeyPem: string;
  scenario: string;
  stsScenario: string;
  requests(): RecordedRequest[];
  setScenario(name: string): void;
  setStsScenario(name: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function checkOptions(o: EmulatorOptions): void {
  const fail = (what: string) => {
    throw new Error(`invalid emulator option ${what}`);
  };
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) fail(`port ${o.port}: expected an integer 0-65535`);
  if (o.modulusLength !== undefined && !(Number.isInteger(o.modulusLength) && o.modulusLength >= 1024 && o.modulusLength <= 16384)) fail(`modulusLength ${o.modulusLength}: expected an integer 1024-16384`);
  if (o.rate !== undefined && !(o.rate > 0)) fail(`rate ${o.rate}: expected a number > 0`);
  if (o.burst !== undefined && !(Number.isInteger(o.burst) && o.burst >= 1)) fail(`burst ${o.burst}: expected an integer >= 1`);
  if (o.proxyPort !== undefined && !(Number.isInteger(o.proxyPort) && o.proxyPort >= 0 && o.proxyPort <= 65535)) fail(`proxyPort ${o.proxyPort}: expected an integer 0-65535`);
  if (o.proxyCredentials !== undefined && !/^[^:]+:.+$/.test(o.proxyCredentials)) fail('proxyCredentials: expected user:password');
  if (o.caOut !== undefined && !o.tls) fail('caOut: only with tls');
  if (o.taskRegion !== undefined && !/^[a-z0-9-]+$/.test(o.taskRegion)) fail(`taskRegion ${JSON.stringify(o.taskRegion)}: expected a region name such as us-east-1`);
}

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  checkOptions(opts);
  let scenario: ParsedScenario = parseScenario(opts.scenario ?? 'entitled');
  let next = createBehaviour(scenario);
  const keys = await createSigningKeys(opts.modulusLength ?? 2048);
  const keyPath = opts.keyOut === undefined ? null : resolve(opts.keyOut);
  if (keyPath) {
    await mkdir(dirname(keyPath), { recursive: true });
    await writeFile(keyPath, keys.publicKeyPem);
  }
  const tls = opts.tls ? await createTlsMaterial(opts.taskRegion ?? 'us-east-1', opts.tls) : null;
  const caPath = tls && opts.caOut !== undefined ? resolve(opts.caOut) : null;
  if (tls && caPath) {
    await mkdir(dirname(caPath), { recursive: true });
    await writeFile(caPath, tls.caPem);
  }
  let proxy: RunningProxy | null = null;

  let stsScenario: StsScenario = parseStsScenario(opts.stsScenario ?? 'ok');
  const issued = new Map<string, IssuedCredentials>();
  const log: RecordedRequest[] = [];
  const admit = opts.rate === undefined ? undefined : tokenBucket(opts.rate, opts.burst);
  const setScenario = (spec: string) => {
    scenario = parseScenario(spec);
    next = createBehaviour(scenario);
  };
  const ctx = {
    keys,
    admit,
    next: () => next(),
    ...(opts.taskRegion === undefined ? {} : { taskRegion: opts.taskRegion }),
    ...(opts.secretAccessKey === undefined ? {} : { secretAccessKey: opts.secretAccessKey }),
    issued,
    requireStsCredentials: opts.webIdentityToken !== undefined,
  };
  const setStsScenario = (spec: string) => {
    stsScenario = parseStsScenario(spec);
  };

  function record(entry: Omit<RecordedRequest, 'at'>): void {
    const full: RecordedRequest = { at: new Date().toISOString(), ...entry };
    log.push(full);
    opts.onRequest?.(full);
  }

  async function sts(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const { reply, facts } = handleSts(body, { scenario: stsScenario, issued, ...(opts.webIdentityToken === undefined ? {} : { expectedToken: opts.webIdentityToken }) });
    const { target, ...details } = facts;
    record({ target, region: null, service: 'sts', accessKeyId: null, stsIssued: false, body: details, status: reply.status, errorType: reply.errorType, scenario: stsScenario.spec });
    send(res, reply.status, reply.body, 'text/xml');
  }

  async function protocol(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const spec = scenario.spec;
    const { reply, facts } = await handleRegisterUsage({ method: req.method ?? 'POST', rawUrl: req.url ?? '/', headers: req.headers, body }, ctx);
    record({
      ...facts,
      status: reply.kind === 'json' || reply.kind === 'raw' ? reply.status : 0,
      errorType: reply.kind === 'json' ? reply.errorType : null,
      scenario: spec,
    });
    deliver(req, res, reply);
  }

  function deliver(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    switch (reply.kind) {
      case 'json':
        return send(res, reply.status, JSON.stringify(reply.body), CONTENT_TYPE);
      case 'raw':
        return send(res, reply.status, reply.body, CONTENT_TYPE);
      case 'hang':
        return; // left open until the client gives up or close() destroys the socket
      case 'reset':
        // A TCP RST, so clients see ECONNRESET rather than a clean end of stream.
        return void req.socket.resetAndDestroy();
    }
  }

  function inspect(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | void {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json');
    const route = `${req.method} ${path}`;
    if (route === 'GET /_emulator/requests') return json(200, log);
    if (route === 'DELETE /_emulator/requests') {
      log.length = 0;
      return json(200, { cleared: true });
    }
    if (route === 'GET /_emulator/scenario') return json(200, { scenario: scenario.spec, stsScenario: stsScenario.spec });
    if (route === 'GET /_emulator/proxy-requests') return json(200, proxy?.requests() ?? []);
    if (route === 'DELETE /_emulator/proxy-requests') {
      proxy?.clear();
      return json(200, { cleared: true });
    }
    if (route === 'GET /_emulator/public-key') return send(res, 200, keys.publicKeyPem, 'application/x-pem-file');
    if (route === 'PUT /_emulator/scenario') {
      return readBody(req).then((b) => {
        try {
          const { scenario: spec, stsScenario: stsSpec } = JSON.parse(b.toString('utf8')) as { scenario?: unknown; stsScenario?: unknown };
          if ((spec !== undefined && typeof spec !== 'string') || (stsSpec !== undefined && typeof stsSpec !== 'string') || (spec === undefined && stsSpec === undefined)) {
            throw new Error('body must be {"scenario": "<name>"} and/or {"stsScenario": "<name>"}');
          }
          // Both parsed before either is set, so a bad request changes nothing.
          if (typeof stsSpec === 'string') parseStsScenario(stsSpec);
          if (typeof spec === 'string') setScenario(spec);
          if (typeof stsSpec === 'string') setStsScenario(stsSpec);
          json(200, { scenario: scenario.spec, stsScenario: stsScenario.spec });
        } catch (e) {
          json(400, { error: (e as Error).message });
        }
      });
    }
    return json(404, { error: `no such emulator endpoint: ${route}` });
  }

  const listener: RequestListener = (req, res) => {
    res.setHeader('x-amzn-RequestId', randomUUID());
    const path = (req.url ?? '/').split('?')[0]!;
    const work = path.startsWith('/_emulator/')
      ? inspect(req, res, path)
      : req.method === 'POST' && path === '/'
        ? isStsRequest(req.headers['content-type'])
          ? sts(req, res)
          : protocol(req, res)
        : send(res, 404, JSON.stringify(errorBody({ type: 'UnknownOperationException', message: `No route for ${req.method} ${path}` })), CONTENT_TYPE);
    Promise.resolve(work).catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ __type: 'InternalFailure', message: 'emulator failure' }), CONTENT_TYPE);
      else res.destroy();
    });
  };
  const server = tls ? createTlsServer({ key: tls.keyPem, cert: tls.certPem }, listener) : createServer(listener);

  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  if (opts.proxyPort !== undefined) {
    proxy = await startConnectProxy({ host: opts.host ?? '127.0.0.1', port: opts.proxyPort, emulatorPort: port, ...(opts.proxyCredentials === undefined ? {} : { credentials: opts.proxyCredentials }) });
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    caPath,
    proxyUrl: proxy?.url ?? null,
    keyPath,
    publicKeyPem: keys.publicKeyPem,
    get scenario() {
      return scenario.spec;
    },
    get stsScenario() {
      return stsScenario.spec;
    },
    requests: () => log.map((r) => ({ ...r })),
    setScenario,
    setStsScenario,
    close: () =>
      (closing ??= Promise.all([
        new Promise<void>((ok) => {
          server.close(() => ok());
          for (const s of sockets) s.destroy();
        }),
        proxy?.close(),
      ]).then(() => undefined)),
  };
}
