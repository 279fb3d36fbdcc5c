import { parseDoctorConfig } from '../config/doctor-config.js';
import type { RawFlags } from '../config/settings.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { renderJson, renderTable } from '../doctor/render.js';
import { toGateError } from '../errors.js';
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
  const report = await runDoctor(config, io.signal);
  if (io.signal.aborted) return toGateError(io.signal.reason).exitCode;
  io.writeStdout(config.output === 'json' ? renderJson(report) : renderTable(report));
  return report.exitCode;
}
