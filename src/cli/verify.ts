import { resolveWorkloadIdentity } from '../binding/identity.js';
import { FALLBACK_LOG_CONFIG, parseLogConfig } from '../config/log-config.js';
import type { RawFlags } from '../config/settings.js';
import { unknownVariableWarnings } from '../config/variable-names.js';
import { parseVerifyConfig } from '../config/verify-config.js';
import { toGateError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { verifyResultFile } from '../verify/result-file.js';
import type { CommandIo } from './io.js';

/** Task metadata is local to the task; a short limit keeps a broken endpoint from holding the start. */
const IDENTITY_TIMEOUT_MS = 2_000;

/** verify: offline re-check of a result file; prints one JSON line and returns the exit code. */
export async function runVerify(flags: RawFlags, io: CommandIo): Promise<number> {
  // One logger, made once: the first createLogger of a start takes the snapshot's pino (log/logger.ts).
  let log: Logger;
  let logConfigError: unknown = null;
  try {
    log = createLogger(parseLogConfig(flags, io.env, io.stderrIsTty));
  } catch (error) {
    log = createLogger(FALLBACK_LOG_CONFIG);
    logConfigError = error;
  }
  let file: string | null = null;
  let outcome: { exitCode: number; errorCode: string | null; message: string | null; hint: string | null; productCode: string | null; binding: string | null };
  try {
    if (logConfigError !== null) throw logConfigError;
    for (const message of unknownVariableWarnings(io.env)) log.warn({}, message);
    const config = parseVerifyConfig(flags, io.env);
    file = config.file;
    const workload = await resolveWorkloadIdentity(config.environment, { timeoutMs: IDENTITY_TIMEOUT_MS, signal: io.signal });
    if (config.waitMs > 0) log.debug({ file: config.file, waitMs: config.waitMs }, 'waiting for the result file');
    const verified = await verifyResultFile({
      file: config.file,
      waitMs: config.waitMs,
      signal: io.signal,
      key: config.key.key,
      workload,
      maxAgeMs: config.maxAgeMs,
      unboundMaxAgeMs: config.unboundMaxAgeMs,
      clockSkewMs: config.clockSkewMs,
      ...(config.productCode === undefined ? {} : { productCode: config.productCode }),
      ...(config.publicKeyVersion === undefined ? {} : { publicKeyVersion: config.publicKeyVersion }),
    });
    outcome = { exitCode: 0, errorCode: null, message: null, hint: null, productCode: verified.result.productCode, binding: verified.binding };
    log.info({ file, productCode: verified.result.productCode, binding: verified.binding }, 'result verified');
  } catch (error) {
    const failure = toGateError(error);
    outcome = { exitCode: failure.exitCode, errorCode: failure.code, message: failure.message, hint: failure.hint ?? null, productCode: null, binding: null };
    log.error({ errorCode: failure.code, exitCode: failure.exitCode, hint: failure.hint, file }, failure.message);
  }
  io.writeStdout(`${JSON.stringify({ verified: outcome.exitCode === 0, exitCode: outcome.exitCode, errorCode: outcome.errorCode, message: outcome.message, hint: outcome.hint, file, productCode: outcome.productCode, binding: outcome.binding })}\n`);
  return outcome.exitCode;
}
