import type { RawFlags } from '../config/settings.js';
import { runRegistration, type RegisterOutcome } from '../gate/register.js';
import type { CommandIo } from './io.js';

/** register: the gate's pipeline, then its result as one JSON line on stdout. */
export async function runRegister(flags: RawFlags, io: CommandIo): Promise<RegisterOutcome> {
  const outcome = await runRegistration(flags, io);
  io.writeStdout(`${JSON.stringify(outcome.result)}\n`);
  return outcome;
}
