/** One short HTTP exchange with a local metadata service; these must never hold up a start for long. */
export interface ProbeOptions {
  readonly method?: 'GET' | 'PUT';
  readonly headers?: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type ProbeResult =
  | { ok: true; status: number; body: string }
  | { ok: false; reason: 'timeout' | 'aborted' | 'network' | 'status'; detail: string; status?: number };

export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { method: options.method ?? 'GET', headers: options.headers, signal });
    const body = await response.text();
    if (!response.ok) return { ok: false, reason: 'status', status: response.status, detail: `HTTP ${response.status}` };
    return { ok: true, status: response.status, body };
  } catch (error) {
    if (options.signal?.aborted) return { ok: false, reason: 'aborted', detail: 'stopped' };
    if (timeout.aborted) return { ok: false, reason: 'timeout', detail: `no answer within ${options.timeoutMs}ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, reason: 'network', detail: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}
