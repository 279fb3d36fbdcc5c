import type { KeyObject } from 'node:crypto';
import { access } from 'node:fs/promises';
import { readRegularFile } from '../fs/read-regular-file.js';
import type { IdentityLookup } from '../binding/identity.js';
import { BINDING_NAMES, checkBinding } from '../binding/nonce.js';
import { EXIT_CODES, GateError, isGateError, type ErrorCode } from '../errors.js';
import type { EntitlementResult } from '../result/entitlement.js';
import { verifyToken } from './token.js';

export interface ResultFileCheck {
  readonly file: string;
  readonly key: KeyObject;
  /** When given, the file must be for this product (a free product's token must not stand in for a paid one). */
  readonly productCode?: string;
  /** When given, the token's public key version must equal it. */
  readonly publicKeyVersion?: number;
  /** The pod or task this check runs in: a result must be bound to it (see binding/nonce.ts). */
  readonly workload: IdentityLookup;
  /** An explicit limit on the token's age, applied whatever the binding; null: none while the binding holds. */
  readonly maxAgeMs: number | null;
  /** The age limit where no pod or task identity exists, so no binding can be checked. */
  readonly unboundMaxAgeMs: number;
  readonly clockSkewMs: number;
  /** Wait this long for the file to appear first (the gate may still be running). */
  readonly waitMs?: number;
  /** Stops the wait. */
  readonly signal?: AbortSignal;
  readonly now?: number;
}

export interface VerifiedResultFile {
  readonly result: EntitlementResult;
  readonly claims: Record<string, unknown>;
  /** What the pass rested on: this pod's or task's binding, or (none) the unbound age limit. */
  readonly binding: 'kubernetes-pod' | 'ecs-task' | 'none';
}

/**
 * A result file is a few kilobytes; 1 MiB leaves room for many warnings and refuses a symlink
 * to /dev/zero or a planted huge file before it costs the workload memory.
 */
export const MAX_RESULT_FILE_BYTES = 1024 * 1024;

function forged(file: string, problem: string): GateError {
  return new GateError('TOKEN_INVALID', { reason: 'result-unverified', file, problem });
}

/**
 * Trusts nothing in the file but what the token proves: the status is only a claim until
 * the signature, the claims and the token's age agree with it.
 */
export async function verifyResultFile(check: ResultFileCheck): Promise<VerifiedResultFile> {
  if (check.waitMs && check.waitMs > 0) {
    const signal = check.signal ?? new AbortController().signal;
    if (!(await waitForFile(check.file, check.waitMs, signal))) {
      // The CLI's stop (TERMINATED) is reported as such; any other abort ends the wait empty-handed.
      if (signal.aborted && isGateError(signal.reason)) throw signal.reason;
      throw new GateError('RESULT_MISSING', { reason: 'result-missing', file: check.file, waitedMs: check.waitMs, problem: null });
    }
  }
  const read = readRegularFile(check.file, MAX_RESULT_FILE_BYTES);
  if (!read.ok) {
    const why = read.reason === 'not-regular' ? `it is ${read.detail}, not a regular file` : read.reason === 'too-large' ? `it is ${read.detail}, more than a result file can be (${MAX_RESULT_FILE_BYTES})` : read.detail;
    throw new GateError('RESULT_MISSING', { reason: 'result-missing', file: check.file, waitedMs: null, problem: why });
  }
  const text = read.bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw forged(check.file, 'it is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw forged(check.file, 'it is not a result object');
  const result = parsed as EntitlementResult;
  if (result.schemaVersion !== 1) throw forged(check.file, `schemaVersion ${JSON.stringify(result.schemaVersion ?? null)} is not 1`);
  refuseUnlessEntitled(check.file, result);
  if (typeof result.productCode !== 'string' || typeof result.nonce !== 'string' || typeof result.publicKeyVersion !== 'number') {
    throw forged(check.file, 'it lacks productCode, publicKeyVersion or nonce');
  }
  if (check.productCode !== undefined && result.productCode !== check.productCode) {
    throw forged(check.file, `it is for product ${JSON.stringify(result.productCode)}, not ${JSON.stringify(check.productCode)}`);
  }
  if (check.publicKeyVersion !== undefined && result.publicKeyVersion !== check.publicKeyVersion) {
    throw forged(check.file, `it is for public key version ${result.publicKeyVersion}, not ${check.publicKeyVersion}`);
  }
  const { identity, problem } = check.workload;
  // A workload that should have an identity but cannot read it is refused, never judged by
  // the looser unbound rule: breaking the metadata endpoint must not widen what passes.
  if (problem !== null) throw forged(check.file, `its binding cannot be checked: ${problem}`);
  let verified;
  try {
    verified = await verifyToken(result.signature, check.key, {
      productCode: check.productCode ?? result.productCode,
      publicKeyVersion: result.publicKeyVersion,
      nonce: result.nonce,
      maxAgeMs: check.maxAgeMs ?? (identity ? Number.POSITIVE_INFINITY : check.unboundMaxAgeMs),
      clockSkewMs: check.clockSkewMs,
      requireIat: true,
      ...(check.now === undefined ? {} : { now: check.now }),
    });
  } catch (error) {
    if (error instanceof GateError) throw forged(check.file, error.detail.reason === 'token-refused' ? `its token: ${error.detail.problem}` : error.message);
    throw error;
  }
  // The nonce is the token's (verifyToken compared them), so the binding is AWS-signed.
  if (identity) {
    const binding = checkBinding(result.nonce, identity);
    if (!binding.ok) {
      const here = BINDING_NAMES[identity.kind].workload;
      const reason = {
        unbound: `it is not bound to a ${here} (registered with an explicit --nonce, or where ${BINDING_NAMES[identity.kind].source} was not available), and in a ${here} only a result registered for that ${here} passes`,
        'other-kind': `it was registered in a ${binding.boundKind ? BINDING_NAMES[binding.boundKind].workload : 'workload'} of another kind, not in this ${here}`,
        'other-workload': `it was registered for another ${here}; a result cannot be copied from one ${here} to another`,
      }[binding.reason];
      throw forged(check.file, reason);
    }
  }
  return { result, claims: verified.claims, binding: identity ? identity.kind : 'none' };
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(EXIT_CODES, value);
}

/**
 * Only ENTITLED goes on to the token. A genuine refusal by AWS is CUSTOMER_NOT_ENTITLED (exit 3);
 * a run that failed for another reason is reported with the code it recorded, so that a
 * subscribed customer whose gate could not register is never told to subscribe.
 */
function refuseUnlessEntitled(file: string, result: EntitlementResult): void {
  if (result.status === 'ENTITLED') return;
  if (result.status === 'NOT_ENTITLED') {
    throw new GateError('CUSTOMER_NOT_ENTITLED', { reason: 'result-not-entitled', file, status: result.status, recordedCode: 'CUSTOMER_NOT_ENTITLED', recordedMessage: null });
  }
  if (result.status === 'GRACE' || result.status === 'ERROR') {
    const recorded = isErrorCode(result.errorCode) && result.errorCode !== 'CUSTOMER_NOT_ENTITLED' ? result.errorCode : 'INTERNAL';
    const recordedMessage = result.message === undefined || result.message === null ? null : String(result.message);
    throw new GateError(recorded, { reason: 'result-not-entitled', file, status: result.status, recordedCode: recorded, recordedMessage });
  }
  throw forged(file, `status ${JSON.stringify(result.status ?? null)} is not one the gate writes`);
}

/** Polls rather than watches: inotify does not see writes made by another container on a shared volume. */
async function waitForFile(file: string, timeoutMs: number, signal: AbortSignal, intervalMs = 100): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    try {
      await access(file);
      return true;
    } catch {
      if (Date.now() >= giveUpAt || signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, giveUpAt - Date.now()))));
    }
  }
}
