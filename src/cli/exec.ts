import type { RawFlags } from '../config/settings.js';
import { runChild } from '../exec/run-child.js';
import { loadReaper, reaperCandidates, startReaping } from '../exec/reaper.js';
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
  const reaping = process.pid === 1 ? pidOneReaper(flags, io) : undefined;
  let stopReaping: (() => void) | undefined;
  const child = await runChild(program, args, { ...io.env, ...resultVariables(outcome.result, outcome.resultFile) }, (pid) => {
    stopReaping = reaping?.(pid);
  });
  stopReaping?.();
  if (child.kind === 'not-started') io.writeStderr(`metering-gate: could not start ${JSON.stringify(program)}: ${child.reason}\n`);
  return child.exitCode;
}

export const NO_REAPER_WARNING =
  'exec is PID 1 and its reaper addon was not found, so orphaned children of the command would stay <defunct> (Node cannot wait for processes it did not start). Copy /usr/local/lib/metering-gate/reaper.node from the gate image as well (README, "Single-image products"), or run an init in front of exec: docker run --init, "initProcessEnabled": true in the ECS task definition\'s linuxParameters, or shareProcessNamespace: true in the Kubernetes pod.';

/**
 * As PID 1, exec inherits every orphan of the workload and must collect them, which takes
 * the native addon. Returns what starts reaping once the workload's pid is known; without
 * the addon, says once where to fix it and returns nothing.
 */
function pidOneReaper(flags: RawFlags, io: CommandIo): ((workloadPid: number) => () => void) | undefined {
  let log;
  try {
    log = createLogger(parseLogConfig(flags, io.env, io.stderrIsTty));
  } catch {
    log = createLogger(FALLBACK_LOG_CONFIG);
  }
  const found = loadReaper(reaperCandidates(process.execPath, process.argv[1], process.arch));
  if (found.kind === 'missing') {
    log.warn({ pid: 1, searched: found.searched, ...(found.failure ? { failure: found.failure } : {}) }, NO_REAPER_WARNING);
    return undefined;
  }
  log.debug({ pid: 1, reaper: found.path }, 'exec is PID 1: reaping orphaned children');
  return (workloadPid) => startReaping(found.addon, workloadPid, (pids) => log.debug({ reaped: pids }, 'reaped orphaned children'));
}
