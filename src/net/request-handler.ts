import { readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as nodeTls from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, RequestHandler } from '@smithy/types';
import type { NetworkConfig, ProxySetting } from '../config/network-config.js';
import { madeIn, unexpectedAnswer, type AnswerExpectation } from './answer-check.js';
import { MAX_RESPONSE_BYTES, NetFailure, tlsProblem } from './errors.js';
import { routeFor } from './proxy-route.js';

export interface RequestHandlerOptions {
  /** Time limit for the TCP connection (the attempt's own deadline bounds everything else). */
  readonly connectTimeoutMs: number;
  /**
   * Idle time after which the socket is given up (NodeHttpHandler's requestTimeout): for a
   * caller that cannot pass the attempt's abort signal down (IRSA's STS call inside the
   * credential chain), so that an abandoned request still ends by itself.
   */
  readonly requestTimeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Refuse answers not in this protocol's shape (see answer-check.ts); none: any answer goes to the SDK. */
  readonly expect?: AnswerExpectation;
}

// As the SDK's own handler: keep-alive, so retries reuse the connection (and its TLS session).
const AGENT_DEFAULTS = { keepAlive: true, maxSockets: 50 } as const;

type TlsOptions = { secureContext?: nodeTls.SecureContext; ca?: string[] };

/**
 * Node's default roots plus the bundle. Node replaces its roots with whatever `ca` is given, and
 * parsing its ~145 bundled roots again from PEM costs 100-200 ms (BENCHMARKS.md, "TLS set-up"),
 * so the bundle is added to a default context instead, which keeps the roots as Node loaded
 * them (NODE_EXTRA_CA_CERTS and --use-openssl-ca included): addCACert is what Node itself calls
 * for each `ca` entry. Where a Node lacks it, the documented way: roots + bundle as `ca`.
 */
function trustWith(bundle: readonly string[], nodeExtraCaCerts: string | null): TlsOptions {
  const { getCACertificates } = nodeTls as { getCACertificates?: (which: 'default') => string[] };
  // Before Node 22 a context's own store starts from the bundled roots only, without
  // NODE_EXTRA_CA_CERTS, so those are added here too (unreadable: Node itself only warned).
  const extra = typeof getCACertificates === 'function' || nodeExtraCaCerts === null ? [] : readPemCertificates(nodeExtraCaCerts);
  const secureContext = nodeTls.createSecureContext();
  const native = (secureContext as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert === 'function') {
    for (const pem of [...extra, ...bundle]) native.addCACert.call(native, pem);
    return { secureContext };
  }
  const defaults = typeof getCACertificates === 'function' ? getCACertificates('default') : nodeTls.rootCertificates;
  return { ca: [...defaults, ...extra, ...bundle] };
}

function readPemCertificates(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  } catch {
    return [];
  }
}

/** Loaded only when a proxy applies: most runs never pay for the tunnelling agents. */
async function proxyAgent(proxy: ProxySetting, secure: boolean, tls: TlsOptions, refusals: WeakMap<ClientRequest, number>) {
  if (!secure) {
    const { HttpProxyAgent } = await import('http-proxy-agent');
    return new HttpProxyAgent(proxy.url, { ...AGENT_DEFAULTS, ...tls });
  }
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  // The constructor's options are for the connection to the proxy; the target's TLS options
  // come with each request, so the CA bundle is added there too.
  class TunnelAgent extends HttpsProxyAgent<string> {
    override connect(req: ClientRequest, opts: Parameters<InstanceType<typeof HttpsProxyAgent>['connect']>[1]) {
      return super.connect(req, { ...opts, ...tls });
    }
  }
  const agent = new TunnelAgent(proxy.url.href, { ...AGENT_DEFAULTS, ...tls });
  // A refused CONNECT is answered to the request as if the target had sent the proxy's reply; this tells them apart.
  agent.on('proxyConnect', (connect: { statusCode: number }, req: ClientRequest) => {
    if (connect.statusCode !== 200) refusals.set(req, connect.statusCode);
  });
  return agent;
}

function readCapped(body: IncomingMessage, limit: number, host: string, status: number, signal: AbortSignal | undefined, api: NetFailure['api']): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: unknown) => {
      signal?.removeEventListener('abort', onAbort);
      body.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason ?? Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new NetFailure('too-large', host, `the endpoint ${host} answered HTTP ${status} with a body over ${limit} bytes; refused without reading the rest`, { api }));
      else chunks.push(chunk);
    });
    body.once('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    body.once('error', fail);
  });
}

/**
 * The SDK request handler for Metering and STS: Node's HTTP client (the SDK's own
 * NodeHttpHandler) with the proxy that applies to each host, the extra CA bundle, TLS
 * failures named with their host, and a cap on the answer's size.
 */
type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpResponse = Awaited<ReturnType<NodeHttpHandler['handle']>>['response'];

/** The SDK's HttpHandler shape (@smithy/protocol-http), spelled out from @smithy/types. */
export type GateHttpHandler = RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> & {
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
};

class GateRequestHandler implements GateHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly handlers = new Map<string, Promise<NodeHttpHandler>>();
  private readonly refusals = new WeakMap<ClientRequest, number>();
  private trust: TlsOptions | undefined;

  constructor(
    private readonly network: NetworkConfig,
    private readonly options: RequestHandlerOptions,
  ) {}

  /** Made on first use: an http:// endpoint never needs it. */
  private get tls(): TlsOptions {
    return (this.trust ??= this.network.caBundle ? trustWith(this.network.caBundle.certificates, this.network.nodeExtraCaCerts) : {});
  }

  private handlerFor(url: URL): { handler: Promise<NodeHttpHandler>; proxy: ProxySetting | null } {
    const route = routeFor(url, this.network);
    const secure = url.protocol === 'https:';
    const key = route.via === 'proxy' ? `${url.protocol} via ${route.proxy.url.href}` : `${url.protocol} direct`;
    let handler = this.handlers.get(key);
    if (!handler) {
      const base = { connectionTimeout: this.options.connectTimeoutMs, ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeout: this.options.requestTimeoutMs }) };
      handler =
        route.via === 'proxy'
          ? proxyAgent(route.proxy, secure, secure ? this.tls : {}, this.refusals).then((agent) => new NodeHttpHandler({ ...base, ...(secure ? { httpsAgent: agent } : { httpAgent: agent }) }))
          : Promise.resolve(new NodeHttpHandler({ ...base, ...(secure && this.network.caBundle ? { httpsAgent: new HttpsAgent({ ...AGENT_DEFAULTS, ...this.tls }) } : {}) }));
      this.handlers.set(key, handler);
    }
    return { handler, proxy: route.via === 'proxy' ? route.proxy : null };
  }

  async handle(request: HttpRequest, handlerOptions: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const url = new URL(`${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`);
    const host = url.host;
    const { handler, proxy } = this.handlerFor(url);
    let response: HttpResponse;
    try {
      ({ response } = await (await handler).handle(request, handlerOptions));
    } catch (error) {
      const problem = tlsProblem(error);
      if (problem) throw new NetFailure('tls', host, `TLS with ${host}${proxy ? ` (through the proxy ${proxy.shown})` : ''} failed: ${problem}`, { cause: error });
      // Transient or not is the caller's call; where it happened is said here, never the proxy's password.
      if (proxy && error instanceof Error) error.message = `${error.message.split('\n')[0]} (through the proxy ${proxy.shown} from ${proxy.from})`;
      throw error;
    }
    // The body is Node's IncomingMessage, whose (undocumented but long-standing) req is the request it answers.
    const raw = response.body as IncomingMessage & { req?: ClientRequest };
    const refused = raw && typeof raw === 'object' && raw.req ? this.refusals.get(raw.req) : undefined;
    if (refused !== undefined || (proxy && url.protocol === 'http:' && response.statusCode === 407)) {
      raw?.destroy?.();
      const status = refused ?? response.statusCode;
      throw new NetFailure('proxy-refused', host, `the proxy ${proxy?.shown ?? '(unknown)'} from ${proxy?.from ?? 'the environment'} refused to connect to ${host}: HTTP ${status}${status === 407 ? ' Proxy Authentication Required' : status === 403 ? ' Forbidden' : ''}`);
    }
    const expect = this.options.expect && madeIn(this.options.expect.protocol, request.headers) ? this.options.expect : undefined;
    const api = this.options.expect?.api ?? 'metering';
    const limit = this.options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const declared = Number(response.headers['content-length'] ?? Number.NaN);
    if (declared > limit) {
      raw?.destroy?.();
      throw new NetFailure('too-large', host, `the endpoint ${host} answered HTTP ${response.statusCode} with a ${declared}-byte body, over the ${limit} bytes accepted; refused without reading it`, { api });
    }
    const body = await readCapped(raw, limit, host, response.statusCode, handlerOptions.abortSignal as AbortSignal | undefined, api);
    const unexpected = expect ? unexpectedAnswer(response.statusCode, response.headers, body, expect.protocol) : null;
    if (expect && unexpected) {
      throw new NetFailure('not-protocol', host, `the endpoint ${url.protocol}//${host}${proxy ? ` (through the proxy ${proxy.shown})` : ''} answered ${unexpected}; it is not ${expect.service}`, { api: expect.api });
    }
    response.body = body;
    return { response };
  }

  updateHttpClientConfig(): void {
    // The gate sets the handler up once; nothing changes it later.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    for (const handler of this.handlers.values()) void handler.then((h) => h.destroy(), () => undefined);
    this.handlers.clear();
  }
}

export function createRequestHandler(network: NetworkConfig, options: RequestHandlerOptions): GateHttpHandler {
  return new GateRequestHandler(network, options);
}
