import { readFileSync } from 'node:fs';
import type { RawFlags } from '../config/settings.js';
import { GateError, toGateError } from '../errors.js';
import type { CommandIo } from './io.js';

/** The token as the SDK sends it: the file's bytes, without the newline an editor may add. */
function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new GateError('CONFIG_INVALID', `invalid --web-identity-token-file ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (text === '') throw new GateError('CONFIG_INVALID', `invalid --web-identity-token-file ${JSON.stringify(file)}: the file is empty`);
  return text;
}

/** The emulator is loaded only when asked for, so a gate's start never pays for it. */
export async function runEmulator(flags: RawFlags, io: CommandIo): Promise<number> {
  try {
    const port = Number(flags['port']);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new GateError('CONFIG_INVALID', `invalid --port ${JSON.stringify(flags['port'])}: must be an integer 0-65535`);
    const { runEmulatorCommand, parseScenario, parseStsScenario } = await import('../emulator/index.js');
    const scenario = String(flags['scenario']);
    try {
      parseScenario(scenario);
    } catch (error) {
      throw new GateError('CONFIG_INVALID', `invalid --scenario: ${(error as Error).message}`);
    }
    const stsScenario = String(flags['stsScenario'] ?? 'ok');
    try {
      parseStsScenario(stsScenario);
    } catch (error) {
      throw new GateError('CONFIG_INVALID', `invalid --sts-scenario: ${(error as Error).message}`);
    }
    const webIdentityToken = typeof flags['webIdentityTokenFile'] === 'string' ? readTokenFile(flags['webIdentityTokenFile']) : undefined;
    await runEmulatorCommand({
      host: String(flags['host']),
      port,
      scenario,
      ...(typeof flags['taskRegion'] === 'string' ? { taskRegion: flags['taskRegion'] } : {}),
      ...(typeof flags['keyOut'] === 'string' ? { keyOut: flags['keyOut'] } : {}),
      ...(typeof flags['secretAccessKey'] === 'string' ? { secretAccessKey: flags['secretAccessKey'] } : {}),
      ...(webIdentityToken === undefined ? {} : { webIdentityToken }),
      stsScenario,
      signal: io.signal,
    });
    return 0;
  } catch (error) {
    const failure = toGateError(error);
    io.writeStderr(`metering-gate emulator: ${failure.message}\n`);
    return failure.exitCode;
  }
}
