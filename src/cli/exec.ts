import type { RawFlags } from '../config/settings.js';
import { runChild } from '../exec/run-child.js';
import { EXIT_CODES, toGateError } from '../errors.js';
import { resultVariables } from '../result/env-file.js';
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
  const child = await runChild(program, args, { ...io.env, ...resultVariables(outcome.result, outcome.resultFile) });
  if (child.kind === 'not-started') io.writeStderr(`metering-gate: could not start ${JSON.stringify(program)}: ${child.reason}\n`);
  return child.exitCode;
}
