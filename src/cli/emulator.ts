import type { RawFlags } from '../config/settings.js';
import { GateError, toGateError } from '../errors.js';
import type { CommandIo } from './io.js';

/** The emulator is loaded only when asked for, so a gate's start never pays for it. */
export async function runEmulator(flags: RawFlags, io: CommandIo): Promise<number> {
  try {
    const port = Number(flags['port']);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new GateError('CONFIG_INVALID', `invalid --port ${JSON.stringify(flags['port'])}: must be an integer 0-65535`);
    const { runEmulatorCommand, parseScenario } = await import('../emulator/index.js');
    const scenario = String(flags['scenario']);
    try {
      parseScenario(scenario);
    } catch (error) {
      throw new GateError('CONFIG_INVALID', `invalid --scenario: ${(error as Error).message}`);
    }
    await runEmulatorCommand({
      host: String(flags['host']),
      port,
      scenario,
      ...(typeof flags['taskRegion'] === 'string' ? { taskRegion: flags['taskRegion'] } : {}),
      ...(typeof flags['keyOut'] === 'string' ? { keyOut: flags['keyOut'] } : {}),
      ...(typeof flags['secretAccessKey'] === 'string' ? { secretAccessKey: flags['secretAccessKey'] } : {}),
      signal: io.signal,
    });
    return 0;
  } catch (error) {
    const failure = toGateError(error);
    io.writeStderr(`metering-gate emulator: ${failure.message}\n`);
    return failure.exitCode;
  }
}
