import { parseDoctorConfig } from '../config/doctor-config.js';
import { unknownVariableWarnings } from '../config/variable-names.js';
import type { RawFlags } from '../config/settings.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { renderJson, renderTable } from '../doctor/render.js';
import { toGateError } from '../errors.js';
import { untilStopped } from '../time/until-stopped.js';
import type { CommandIo } from './io.js';

/** doctor: diagnose without registering (unless --call); the report on stdout, its exit code returned. */
export async function runDoctorCommand(flags: RawFlags, io: CommandIo): Promise<number> {
  let config;
  try {
    config = parseDoctorConfig(flags, io.env);
  } catch (error) {
    const failure = toGateError(error);
    io.writeStderr(`metering-gate: ${failure.message}\n`);
    return failure.exitCode;
  }
  for (const message of unknownVariableWarnings(io.env)) io.writeStderr(`metering-gate: warning: ${message}\n`);
  // A stop ends doctor at once, whatever check is still waiting (a DNS lookup cannot be aborted).
  const report = await untilStopped(runDoctor(config, io.signal), io.signal);
  if (report === null || io.signal.aborted) return toGateError(io.signal.reason).exitCode;
  io.writeStdout(config.output === 'json' ? renderJson(report) : renderTable(report));
  return report.exitCode;
}
