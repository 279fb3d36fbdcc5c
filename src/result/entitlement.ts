import type { BindingKind } from '../binding/nonce.js';
import type { ErrorCode } from '../errors.js';

export type EntitlementStatus = 'ENTITLED' | 'NOT_ENTITLED' | 'GRACE' | 'ERROR';

/** The shape of entitlement.json, schema version 1 (see the README's contract section). */
export interface EntitlementResult {
  schemaVersion: 1;
  status: EntitlementStatus;
  /** True only for a verified (or knowingly unverified) ENTITLED answer from AWS; GRACE is not entitlement. */
  entitled: boolean;
  exitCode: number;
  errorCode: ErrorCode | null;
  message: string | null;
  hint: string | null;
  productCode: string | null;
  publicKeyVersion: number | null;
  nonce: string | null;
  /**
   * What the nonce binds this registration to: the pod (UID) or ECS task (ARN) the gate ran
   * in, or none. Informational: verify trusts only the signed nonce, checked against its own
   * pod or task.
   */
  binding: ResultBinding | null;
  region: string | null;
  regionSource: string | null;
  platform: string;
  credentialSource: string | null;
  signature: string | null;
  signatureVerified: boolean;
  claims: Record<string, unknown> | null;
  publicKeyRotationTimestamp: string | null;
  warnings: string[];
  attempts: number;
  /** Why the run stopped without an answer: the caller's signal, an attempt timeout or the deadline; null when an answer ended it. */
  stoppedBy: 'signal' | 'attempt-timeout' | 'deadline' | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  gateVersion: string;
}

export interface ResultBinding {
  readonly kind: BindingKind | 'none';
  readonly id: string | null;
}

export const RESULT_FILE = 'entitlement.json';
export const ENV_FILE = 'entitlement.env';

export function statusFor(errorCode: ErrorCode | null, grace: boolean): EntitlementStatus {
  if (grace) return 'GRACE';
  if (errorCode === null) return 'ENTITLED';
  if (errorCode === 'CUSTOMER_NOT_ENTITLED') return 'NOT_ENTITLED';
  return 'ERROR';
}
