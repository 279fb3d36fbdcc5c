import { readFileSync } from 'node:fs';
import { looksLikeFlag, type RawFlags } from '../config/settings.js';
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
    for (const [key, value] of Object.entries(flags)) {
      const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      if (typeof value === 'string' && looksLikeFlag(value)) throw new GateError('CONFIG_INVALID', `invalid ${flag} ${JSON.stringify(value)}: that is an option, not a value; ${flag} needs its value right after it`);
    }
    const port = Number(flags['port']);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new GateError('CONFIG_INVALID', `invalid --port ${JSON.stringify(flags['port'])}: must be an integer 0-65535`);
    let proxyPort: number | undefined;
    if (typeof flags['proxyPort'] === 'string') {
      proxyPort = Number(flags['proxyPort']);
      if (!Number.isInteger(proxyPort) || proxyPort < 0 || proxyPort > 65_535) throw new GateError('CONFIG_INVALID', `invalid --proxy-port ${JSON.stringify(flags['proxyPort'])}: must be an integer 0-65535`);
    }
    if (typeof flags['proxyCredentials'] === 'string' && !/^[^:]+:.+$/.test(flags['proxyCredentials'])) throw new GateError('CONFIG_INVALID', 'invalid --proxy-credentials: must be user:password');
    if (flags['caOut'] !== undefined && !flags['tls'] && !flags['tlsExpired']) throw new GateError('CONFIG_INVALID', 'invalid --ca-out: only with --tls');
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
      ...(flags['tls'] || flags['tlsExpired'] ? { tls: flags['tlsExpired'] ? ('expired' as const) : ('valid' as const) } : {}),
      ...(typeof flags['caOut'] === 'string' ? { caOut: flags['caOut'] } : {}),
      ...(proxyPort === undefined ? {} : { proxyPort }),
      ...(typeof flags['proxyCredentials'] === 'string' ? { proxyCredentials: flags['proxyCredentials'] } : {}),
      signal: io.signal,
    });
    return 0;
  } catch (error) {
    const failure = listenError(error, flags) ?? toGateError(error);
    io.writeStderr(`metering-gate emulator: ${failure.message}${failure.code === 'INTERNAL' ? '' : `; ${failure.hint}`}\n`);
    return failure.exitCode;
  }
}

/** The errors listen() gives for a bad --host or --port: the user's to fix, so exit 2, not 1 "unexpected error". */
function listenError(error: unknown, flags: RawFlags): GateError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${String(flags['host'])}:${String(flags['port'])}`;
  const known: Record<string, [string, string]> = {
    EADDRINUSE: [`port ${String(flags['port'])} is already in use on ${String(flags['host'])} (EADDRINUSE)`, 'stop the process that holds it (ss -ltnp shows it), or choose another --port; --port 0 picks a free one and prints it'],
    EACCES: [`not allowed to listen on ${where} (EACCES)`, 'ports below 1024 need privileges: choose a --port of 1024 or more, or 0 for a free one'],
    EADDRNOTAVAIL: [`cannot listen on ${where}: no such address on this machine (EADDRNOTAVAIL)`, 'give --host an address of this machine, such as 127.0.0.1 or 0.0.0.0'],
  };
  const entry = code === undefined ? undefined : known[code];
  return entry ? new GateError('CONFIG_INVALID', entry[0], { cause: error, hint: entry[1] }) : null;
}
