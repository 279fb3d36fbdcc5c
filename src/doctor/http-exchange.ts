import { request } from 'node:http';

export type Exchange =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly connected: boolean; readonly timedOut: boolean; readonly detail: string };

/**
 * One bounded HTTP exchange that remembers whether the TCP connection was made: "connected
 * but never answered" is the IMDS hop-limit symptom, "never connected" is simply no IMDS.
 * fetch cannot tell the two apart.
 */
export function httpExchange(url: string, options: { method?: 'GET' | 'PUT'; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<Exchange> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const finish = (outcome: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 65_536) body += chunk;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        finish(status >= 200 && status < 300 ? { ok: true, status, body } : { ok: false, connected: true, timedOut: false, detail: `HTTP ${status}` });
      });
      response.on('error', (error) => finish({ ok: false, connected: true, timedOut: false, detail: error.message }));
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      socket.once('connect', () => {
        connected = true;
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, connected, timedOut: false, detail: error.code ?? error.message }));
    const timer = setTimeout(
      () => finish({ ok: false, connected, timedOut: true, detail: connected ? `connected, but no answer within ${options.timeoutMs}ms` : `no connection within ${options.timeoutMs}ms` }),
      options.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, connected, timedOut: false, detail: 'stopped' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.method === 'PUT') req.end('');
    else req.end();
  });
}
