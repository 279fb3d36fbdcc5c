import type { RawFlags } from '../config/settings.js';
import { runChild } from '../exec/run-child.js';
import { EXIT_CODES, toGateError } from '../errors.js';
import { resultVariables } from '../result/env-file.js';
import { FALLBACK_LOG_CONFIG, parseLogConfig } from '../config/log-config.js';
import { createLogger } from '../log/logger.js';
import type { CommandIo } from './io.js';
import { runRegister } from './register.js';

/**
 * exec: register, then run the workload only if register would exit 0. The result JSON
 * line that register prints goes to stderr here: stdout belongs to the workload.
 */
export async function runExec(flags: RawFlags, io: CommandIo): Promise<number> {
  const command = Array.isArray(flags['command']) ? (flags['command'] as unknown[]).filter((part): part is string => typeof part === 'string') : [];
  const [program, ...args] = command;
  if (program === undefined || program === '') {
    io.writeStderr('metering-gate: exec needs a command: metering-gate exec [options] -- CMD [ARGS...]\n');
    return EXIT_CODES.CONFIG_INVALID;
  }
  const registerFlags = Object.fromEntries(Object.entries(flags).filter(([key]) => key !== 'command'));
  const outcome = await runRegister(registerFlags, { ...io, writeStdout: (text) => io.writeStderr(text) });
  if (outcome.exitCode !== 0) return outcome.exitCode;
  // A stop that arrived as registration finished must not start the workload.
  if (io.signal.aborted) return toGateError(io.signal.reason).exitCode;

  // From here the workload owns the signals: the gate's own stop handlers would turn a
  // forwarded SIGTERM into an exit of the gate's own, cutting the workload's shutdown short.
  io.releaseSignals?.();
  if (process.pid === 1) warnNoReaper(flags, io);
  const child = await runChild(program, args, { ...io.env, ...resultVariables(outcome.result, outcome.resultFile) });
  if (child.kind === 'not-started') io.writeStderr(`metering-gate: could not start ${JSON.stringify(program)}: ${child.reason}\n`);
  return child.exitCode;
}

export const NO_REAPER_WARNING =
  'exec is PID 1: it forwards signals to the command and exits with its code, but cannot reap the command\'s orphaned children (Node has no waitpid for processes it did not start), so they would stay <defunct>. Run an init in front of it: docker run --init, "initProcessEnabled": true in the ECS task definition\'s linuxParameters, or shareProcessNamespace: true in the Kubernetes pod (its pause process reaps).';

/** Said once, where it can be fixed: the orchestrator's init setting, not the gate. */
function warnNoReaper(flags: RawFlags, io: CommandIo): void {
  let log;
  try {
    log = createLogger(parseLogConfig(flags, io.env, io.stderrIsTty));
  } catch {
    log = createLogger(FALLBACK_LOG_CONFIG);
  }
  log.warn({ pid: 1 }, NO_REAPER_WARNING);
}
