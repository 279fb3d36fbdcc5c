import { EXIT_CODES, type ErrorCode } from '../errors.js';

export type CheckId = 'platform' | 'credentials' | 'region' | 'imds' | 'proxy' | 'ca-bundle' | 'endpoint' | 'sts' | 'public-key' | 'product-code' | 'options' | 'output-dir' | 'call';
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One row of the report. `errorCode` is set only on a failing row: it is what register would exit with. */
export interface CheckRow {
  readonly id: CheckId;
  readonly status: CheckStatus;
  readonly finding: string;
  /** How to fix it; null when there is nothing to do. */
  readonly fix: string | null;
  readonly errorCode: ErrorCode | null;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly exitCode: number;
  /** The first failing row's code, which is also the exit code's meaning. */
  readonly errorCode: ErrorCode | null;
  readonly firstFailure: CheckId | null;
  readonly checks: readonly CheckRow[];
  readonly gateVersion: string;
}

export const pass = (id: CheckId, finding: string, fix: string | null = null): CheckRow => ({ id, status: 'pass', finding, fix, errorCode: null });
export const warn = (id: CheckId, finding: string, fix: string | null): CheckRow => ({ id, status: 'warn', finding, fix, errorCode: null });
export const skip = (id: CheckId, finding: string): CheckRow => ({ id, status: 'skip', finding, fix: null, errorCode: null });
export const fail = (id: CheckId, errorCode: ErrorCode, finding: string, fix: string | null): CheckRow => ({ id, status: 'fail', finding, fix, errorCode });

/** Exit 0 when nothing failed, else the code of the first failing row in report order. */
export function summarise(checks: readonly CheckRow[], gateVersion: string): DoctorReport {
  const first = checks.find((row) => row.status === 'fail') ?? null;
  return {
    ok: first === null,
    exitCode: first?.errorCode ? EXIT_CODES[first.errorCode] : 0,
    errorCode: first?.errorCode ?? null,
    firstFailure: first?.id ?? null,
    checks,
    gateVersion,
  };
}
