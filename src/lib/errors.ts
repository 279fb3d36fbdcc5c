import { EXIT_CODES, GateError, toGateError, type ErrorCode, type FailureDetail, type FailureReason, type GateErrorOptions } from '../errors.js';
import type { EntitlementResult } from '../result/entitlement.js';

export { EXIT_CODES, type ErrorCode, type FailureDetail, type FailureReason };

/**
 * What the library throws. It is a GateError, so code inside the gate and code outside it
 * see the same `code` and `exitCode` the CLI would exit with.
 */
export class MeteringGateError extends GateError {
  /** For register(): the result that was written, when one was. */
  readonly result: EntitlementResult | null;

  constructor(code: ErrorCode, detail: FailureDetail | string, options: GateErrorOptions & { result?: EntitlementResult | null } = {}) {
    super(code, detail, options);
    this.name = 'MeteringGateError';
    this.result = options.result ?? null;
  }

  static from(error: unknown): MeteringGateError {
    if (error instanceof MeteringGateError) return error;
    const gate = toGateError(error);
    // A GateError's own cause (else itself) is kept; anything else thrown is the cause as it is.
    const cause = gate === error ? (gate.cause ?? gate) : error;
    return new MeteringGateError(gate.code, gate.detail, { cause, exitCode: gate.exitCode, hint: gate.hint });
  }
}
