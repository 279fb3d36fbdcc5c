import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isDeadlineReached } from '../time/deadline.js';
import { timeLimit } from '../time/time-limit.js';

/** One short HTTP exchange with a local metadata service; these must never hold up a start for long. */
export interface ProbeOptions {
  readonly method?: 'GET' | 'PUT';
  readonly headers?: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type ProbeResult =
  | { ok: true; status: number; body: string }
  | {
      ok: false;
      reason: 'timeout' | 'aborted' | 'network' | 'status';
      detail: string;
      status?: number;
      /** Whether TCP connected: "connected but never answered" is the IMDS hop-limit symptom, "never connected" is no service at all. */
      connected: boolean;
    };

// Metadata answers are a few kilobytes; anything far larger is not the service we expect.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * node:http rather than fetch(): the first fetch() in a process loads and compiles undici
 * and its WebAssembly HTTP parser, tens of milliseconds on every start for two small GETs,
 * while node:http is loaded anyway by the SDK's own request handler.
 */
function exchange(url: URL, options: ProbeOptions, signal: AbortSignal, progress: { connected: boolean }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // No keep-alive agent: one exchange per connection, closed when it is done.
    const req = send(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false });
    req.once('socket', (socket) => {
      if (!socket.connecting) progress.connected = true;
      else socket.once('connect', () => (progress.connected = true));
    });
    const stop = () => req.destroy(new Error('aborted'));
    signal.addEventListener('abort', stop, { once: true });
    const settle = () => signal.removeEventListener('abort', stop);
    req.once('error', (error) => {
      settle();
      reject(error);
    });
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once('error', (error) => {
        settle();
        reject(error);
      });
      res.once('aborted', () => {
        settle();
        reject(new Error('the connection closed before the answer was complete'));
      });
      res.once('end', () => {
        settle();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end();
  });
}

export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const limit = timeLimit(options.timeoutMs, options.signal ? { parent: options.signal } : {});
  const progress = { connected: false };
  try {
    if (limit.signal.aborted) throw new Error('aborted');
    const response = await exchange(new URL(url), options, limit.signal, progress);
    if (response.status < 200 || response.status > 299) return { ok: false, reason: 'status', status: response.status, detail: `HTTP ${response.status}`, connected: true };
    return { ok: true, status: response.status, body: response.body };
  } catch (error) {
    const { connected } = progress;
    if (limit.cause() === 'parent') {
      return { ok: false, reason: 'aborted', detail: isDeadlineReached(options.signal?.reason) ? 'no answer before the deadline' : 'stopped', connected };
    }
    if (limit.cause() === 'timeout') {
      const detail = connected ? `connected, but no answer within ${options.timeoutMs}ms` : `no connection within ${options.timeoutMs}ms`;
      return { ok: false, reason: 'timeout', detail, connected };
    }
    const failure = error as { code?: string; message?: string };
    return { ok: false, reason: 'network', detail: failure.code ?? failure.message ?? String(error), connected };
  } finally {
    limit.dispose();
  }
}
