import type { RegisterConfig } from '../config/register-config.js';
import type { CredentialSource } from '../credentials/source.js';
import type { GateError } from '../errors.js';
import type { RegisterUsageAnswer } from '../metering/register-usage.js';
import type { RetryStats } from '../metering/retry.js';
import type { Platform } from '../platform/platform.js';
import type { ResolvedRegion } from '../platform/region.js';
import type { VerifiedToken } from '../verify/token.js';
import { GATE_VERSION } from '../version.js';
import { statusFor, type EntitlementResult, type ResultBinding } from './entitlement.js';

/** What a run learned before it ended, whatever stage it ended in (null: not reached). */
export interface RunFacts {
  readonly config: Pick<RegisterConfig, 'productCode' | 'publicKeyVersion' | 'nonce' | 'onUnavailable'> | null;
  readonly region: Pick<ResolvedRegion, 'region' | 'source'> | null;
  readonly platform: Platform | null;
  readonly credentialSource: CredentialSource | null;
  /** The nonce sent, once decided (bound to the pod or task when one is known); else the config's. */
  readonly nonce: string | null;
  readonly binding: ResultBinding | null;
  readonly answer: RegisterUsageAnswer | null;
  readonly verified: VerifiedToken | null;
  readonly warnings: readonly string[];
  readonly stats: Readonly<RetryStats>;
}

/**
 * entitlement.json's content for a run that ended with `error` (null: entitled). GRACE is for
 * a service that was tried and only failed transiently: a run whose deadline passed before any
 * attempt (metadata or credentials hung) never reached it.
 */
export function buildResult(facts: RunFacts, error: GateError | null, times: { readonly startedAt: number; readonly finishedAt: number }): EntitlementResult {
  const { config } = facts;
  const grace = error?.code === 'SERVICE_UNAVAILABLE' && config?.onUnavailable === 'allow' && facts.stats.attempts > 0;
  return {
    schemaVersion: 1,
    status: statusFor(error?.code ?? null, grace),
    entitled: error === null,
    exitCode: error === null || grace ? 0 : error.exitCode,
    errorCode: error?.code ?? null,
    message: error?.message ?? null,
    hint: error?.hint ?? null,
    productCode: config?.productCode ?? null,
    publicKeyVersion: config?.publicKeyVersion ?? null,
    nonce: facts.nonce ?? config?.nonce ?? null,
    binding: facts.binding,
    region: facts.region?.region ?? null,
    regionSource: facts.region?.source ?? null,
    platform: facts.platform ?? 'unknown',
    credentialSource: facts.credentialSource,
    signature: facts.answer?.signature ?? null,
    signatureVerified: facts.verified?.signatureVerified ?? false,
    claims: facts.verified?.claims ?? null,
    publicKeyRotationTimestamp: facts.answer?.publicKeyRotationTimestamp?.toISOString() ?? null,
    warnings: [...facts.warnings],
    attempts: facts.stats.attempts,
    stoppedBy: error === null ? null : error.code === 'TERMINATED' ? 'signal' : (facts.stats.stoppedBy ?? null),
    startedAt: new Date(times.startedAt).toISOString(),
    finishedAt: new Date(times.finishedAt).toISOString(),
    durationMs: times.finishedAt - times.startedAt,
    gateVersion: GATE_VERSION,
  };
}

/** The one paragraph for the termination log (kubectl describe pod). */
export function terminationMessage(result: EntitlementResult): string {
  if (result.status === 'ENTITLED') return `metering-gate: ENTITLED for product ${result.productCode} in ${result.region}.`;
  const parts = [`metering-gate: ${result.status} (${result.errorCode}, exit ${result.exitCode}): ${result.message}`];
  if (result.hint) parts.push(`Fix: ${result.hint}`);
  return parts.join(' ');
}
