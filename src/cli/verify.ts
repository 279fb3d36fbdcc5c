import { FALLBACK_LOG_CONFIG, parseLogConfig } from '../config/log-config.js';
import type { RawFlags } from '../config/settings.js';
import { parseVerifyConfig } from '../config/verify-config.js';
import { toGateError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { verifyResultFile } from '../verify/result-file.js';
import type { CommandIo } from './io.js';

/** verify: offline re-check of a result file; prints one JSON line and returns the exit code. */
export async function runVerify(flags: RawFlags, io: CommandIo): Promise<number> {
  let log = createLogger(FALLBACK_LOG_CONFIG);
  let outcome: { exitCode: number; errorCode: string | null; message: string | null; hint: string | null; file: string | null; productCode: string | null };
  try {
    log = createLogger(parseLogConfig(flags, io.env, io.stderrIsTty));
    const config = parseVerifyConfig(flags, io.env);
    const verified = await verifyResultFile({
      file: config.file,
      waitMs: config.waitMs,
      signal: io.signal,
      key: config.key.key,
      maxAgeMs: config.maxAgeMs,
      clockSkewMs: config.clockSkewMs,
      ...(config.productCode === undefined ? {} : { productCode: config.productCode }),
    });
    outcome = { exitCode: 0, errorCode: null, message: null, hint: null, file: config.file, productCode: verified.result.productCode };
    log.info({ file: config.file, productCode: verified.result.productCode }, 'result verified');
  } catch (error) {
    const failure = toGateError(error);
    outcome = { exitCode: failure.exitCode, errorCode: failure.code, message: failure.message, hint: failure.hint, file: null, productCode: null };
    log.error({ errorCode: failure.code, exitCode: failure.exitCode, hint: failure.hint }, failure.message);
  }
  io.writeStdout(`${JSON.stringify({ verified: outcome.exitCode === 0, ...outcome })}\n`);
  return outcome.exitCode;
}
