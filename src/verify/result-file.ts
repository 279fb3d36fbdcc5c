import type { KeyObject } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { GateError, isGateError } from '../errors.js';
import type { EntitlementResult } from '../result/entitlement.js';
import { TOKEN_REFUSED, verifyToken } from './token.js';

export interface ResultFileCheck {
  readonly file: string;
  readonly key: KeyObject;
  /** When given, the file must be for this product (a free product's token must not stand in for a paid one). */
  readonly productCode?: string;
  readonly maxAgeMs: number;
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
}

function forged(file: string, reason: string): GateError {
  return new GateError('TOKEN_INVALID', `${file} does not verify: ${reason}`);
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
      throw new GateError('RESULT_MISSING', `no result file at ${check.file} after waiting ${check.waitMs}ms`);
    }
  }
  let text: string;
  try {
    text = await readFile(check.file, 'utf8');
  } catch (error) {
    throw new GateError('RESULT_MISSING', `no readable result file at ${check.file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw forged(check.file, 'it is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw forged(check.file, 'it is not a result object');
  const result = parsed as EntitlementResult;
  if (result.schemaVersion !== 1) throw forged(check.file, `schemaVersion ${JSON.stringify(result.schemaVersion ?? null)} is not 1`);
  if (result.status !== 'ENTITLED') {
    throw new GateError('CUSTOMER_NOT_ENTITLED', `${check.file} records status ${JSON.stringify(result.status)} (${result.errorCode ?? 'no error code'}), not ENTITLED`);
  }
  if (typeof result.productCode !== 'string' || typeof result.nonce !== 'string' || typeof result.publicKeyVersion !== 'number') {
    throw forged(check.file, 'it lacks productCode, publicKeyVersion or nonce');
  }
  if (check.productCode !== undefined && result.productCode !== check.productCode) {
    throw forged(check.file, `it is for product ${JSON.stringify(result.productCode)}, not ${JSON.stringify(check.productCode)}`);
  }
  try {
    const verified = await verifyToken(result.signature, check.key, {
      productCode: check.productCode ?? result.productCode,
      publicKeyVersion: result.publicKeyVersion,
      nonce: result.nonce,
      maxAgeMs: check.maxAgeMs,
      clockSkewMs: check.clockSkewMs,
      requireIat: true,
      ...(check.now === undefined ? {} : { now: check.now }),
    });
    return { result, claims: verified.claims };
  } catch (error) {
    if (error instanceof GateError) throw forged(check.file, error.message.startsWith(TOKEN_REFUSED) ? `its token: ${error.message.slice(TOKEN_REFUSED.length)}` : error.message);
    throw error;
  }
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
