/**
 * Every failure metering-gate reports has a stable `code` and one exit code, and this
 * table is the only place that pairs them: the README, the Helm chart's NOTES and the
 * ECS task definitions all promise these numbers.
 */
export const EXIT_CODES = {
  INTERNAL: 1,
  CONFIG_INVALID: 2,
  PRODUCT_CODE_UNTRUSTED: 2,
  CUSTOMER_NOT_ENTITLED: 3,
  PLATFORM_NOT_SUPPORTED: 4,
  TOKEN_INVALID: 5,
  SERVICE_UNAVAILABLE: 6,
  REGION_UNRESOLVED: 7,
  INVALID_REGION: 7,
  CREDENTIALS_UNAVAILABLE: 8,
  ACCESS_DENIED: 8,
  PRODUCT_REJECTED: 9,
  OUTPUT_UNWRITABLE: 10,
  RESULT_MISSING: 11,
  TERMINATED: 143,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

/** Exit codes for the two signals we stop on: 128 + the signal number, as shells report. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export class GateError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Hints for the operator (how to fix it); printed and recorded, never secret. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GateError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT_CODES[code];
    this.hint = options.hint;
  }
}

export function isGateError(error: unknown): error is GateError {
  return error instanceof GateError;
}

export function terminated(signal: StopSignal): GateError {
  return new GateError('TERMINATED', `stopped by ${signal} before registration finished`, {
    exitCode: SIGNAL_EXIT_CODES[signal],
  });
}

/** Wraps anything thrown into a GateError; an unknown throw is a bug, so it is INTERNAL. */
export function toGateError(error: unknown): GateError {
  if (isGateError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GateError('INTERNAL', `unexpected error: ${message}`, { cause: error });
}
