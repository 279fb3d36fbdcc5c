import type { EnvironmentFacts } from '../config/environment.js';
import type { ErrorCode } from '../errors.js';
import type { Platform } from '../platform/platform.js';
import { HOP_LIMIT_HINT } from '../errors.js';
import { imdsBase, requestImdsRegion, requestImdsToken } from '../platform/imds.js';
import { fail, pass, skip, warn, type CheckRow } from './report.js';

export interface ImdsNeed {
  /** The region could only come from IMDS (no earlier source answered). */
  readonly forRegion: boolean;
  /** The credential chain would end at the instance role. */
  readonly forCredentials: boolean;
}

export interface ImdsCheck {
  readonly row: CheckRow;
  /** IMDS took the connection but never answered the token request (the hop-limit symptom). */
  readonly tokenUnanswered: boolean;
}

/**
 * IMDSv2 token then region, telling "connected but no answer" (hop limit 1) apart from
 * "no IMDS here". It fails only when something the gate needs depends on IMDS.
 */
export async function checkImds(environment: EnvironmentFacts, platform: Platform, needFor: Promise<ImdsNeed>, options: { timeoutMs: number; signal: AbortSignal }): Promise<ImdsCheck> {
  if (environment.imdsDisabled) return { row: skip('imds', 'not probed: AWS_EC2_METADATA_DISABLED=true'), tokenUnanswered: false };
  if (platform === 'ecs-fargate') return { row: skip('imds', 'not probed: Fargate tasks have no IMDS'), tokenUnanswered: false };
  const tokenUnanswered = (row: CheckRow): ImdsCheck => ({ row, tokenUnanswered: true });
  const answered = (row: CheckRow): ImdsCheck => ({ row, tokenUnanswered: false });
  const base = imdsBase(environment.imdsEndpoint);
  const started = Date.now();
  // Probed while the region chain runs; what IMDS is needed for is only known once it has.
  const [token, need] = await Promise.all([
    requestImdsToken(base, options),
    needFor,
  ]);
  const needed = need.forRegion || need.forCredentials;
  const category: ErrorCode = need.forRegion ? 'REGION_UNRESOLVED' : 'CREDENTIALS_UNAVAILABLE';
  const neededFor = [need.forRegion ? 'the region' : '', need.forCredentials ? 'credentials' : ''].filter(Boolean).join(' and ');
  const verdict = (finding: string, fix: string) => (needed ? fail('imds', category, `${finding}; the gate needs it for ${neededFor}`, fix) : warn('imds', `${finding}; not needed here`, fix));
  if (!token.ok) {
    if (token.connected && token.reason === 'timeout') return tokenUnanswered(verdict(`IMDSv2 at ${base} took the token request but never answered (${token.detail})`, HOP_LIMIT_HINT));
    if (!token.connected) {
      const finding = `no IMDS at ${base} (${token.detail})`;
      return answered(needed ? verdict(finding, 'set AWS_REGION (or run where the ECS task metadata or IMDS is available).') : skip('imds', `${finding}; not needed here`));
    }
    return answered(verdict(`IMDSv2 token request at ${base} failed (${token.detail})`, 'IMDSv2 must be enabled (http-tokens optional or required) with a hop limit of 2 for containers; or set AWS_REGION.'));
  }
  const region = await requestImdsRegion(base, token.body, options);
  if (!region.ok) return answered(verdict(`IMDSv2 gave a token but the region request failed (${region.detail})`, 'set AWS_REGION to the region the workload runs in.'));
  return answered(pass('imds', `IMDSv2 at ${base} answered region ${region.body.trim()} in ${Date.now() - started}ms`));
}
