import { probe } from './http-probe.js';

export type ImdsRegionLookup =
  | { ok: true; region: string }
  /** tokenUnanswered: IMDS took the connection but never answered the token request (hop limit 1). */
  | { ok: false; detail: string; tokenUnanswered: boolean };

const TOKEN_TTL_SECONDS = '60';

/**
 * IMDSv2 only: a token, then the placement region. When the token PUT gets no answer at
 * all, the usual cause is an instance hop limit of 1 that drops the reply before it
 * reaches a pod; callers turn that into advice.
 */
export async function readImdsRegion(endpoint: string, options: ImdsRequestOptions): Promise<ImdsRegionLookup> {
  const base = imdsBase(endpoint);
  const token = await requestImdsToken(base, options);
  if (!token.ok) return { ok: false, detail: `token request: ${token.detail}`, tokenUnanswered: token.reason === 'timeout' && token.connected };
  const region = await requestImdsRegion(base, token.body, options);
  if (!region.ok) return { ok: false, detail: `region request: ${region.detail}`, tokenUnanswered: false };
  return { ok: true, region: region.body.trim() };
}

export interface ImdsRequestOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** The endpoint without trailing slashes, as both requests and the messages about them use it. */
export function imdsBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

/** IMDSv2's session token (PUT); doctor makes the same two requests to tell its failures apart. */
export function requestImdsToken(base: string, options: ImdsRequestOptions) {
  return probe(`${base}/latest/api/token`, { ...options, method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS } });
}

export function requestImdsRegion(base: string, token: string, options: ImdsRequestOptions) {
  return probe(`${base}/latest/meta-data/placement/region`, { ...options, headers: { 'X-aws-ec2-metadata-token': token.trim() } });
}
