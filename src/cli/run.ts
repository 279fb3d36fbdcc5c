import { CommanderError } from 'commander';
import { EXIT_CODES, SIGNAL_EXIT_CODES, terminated, toGateError, type StopSignal } from '../errors.js';
import type { CommandIo } from './io.js';
import { buildProgram, explainUsageError, type Invocation } from './program.js';

async function dispatch(invocation: Invocation, io: CommandIo): Promise<number> {
  switch (invocation.command) {
    case 'register':
      return (await import('./register.js')).runRegister(invocation.flags, io).then((outcome) => outcome.exitCode);
    case 'verify':
      return (await import('./verify.js')).runVerify(invocation.flags, io);
    case 'emulator':
      return (await import('./emulator.js')).runEmulator(invocation.flags, io);
    case 'doctor':
      return (await import('./doctor.js')).runDoctorCommand(invocation.flags, io);
    case 'exec':
      return (await import('./exec.js')).runExec(invocation.flags, io);
  }
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    // A second signal means "now": the first already asked every stage to stop.
    if (controller.signal.aborted) process.exit(terminated(signal).exitCode);
    controller.abort(terminated(signal));
  };
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);

  const io: CommandIo = {
    env: process.env,
    stderrIsTty: process.stderr.isTTY === true,
    signal: controller.signal,
    writeStdout: (text) => process.stdout.write(text),
    writeStderr: (text) => process.stderr.write(text),
    releaseSignals: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };

  let invocation: Invocation | undefined;
  const program = buildProgram((chosen) => {
    invocation = chosen;
  });
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      const explained = explainUsageError(program, argv.slice(2));
      io.writeStderr(`metering-gate: ${explained ?? error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see metering-gate --help)\n`);
      return EXIT_CODES.CONFIG_INVALID;
    }
    throw error;
  }
  if (!invocation) return 0;
  return dispatch(invocation, io);
}

function flushThenExit(code: number): void {
  // Exit explicitly: a hung endpoint's socket or a keep-alive agent must not hold the gate open.
  process.stdout.write('', () => process.exit(code));
}

/**
 * The whole CLI, from argv in Node's shape (node, script, ...arguments) to process exit. Both
 * entries call it: main.ts, the bundle, at once; snapshot/entry.ts when Node starts from the
 * startup snapshot built from it.
 */
export function run(argv: string[]): void {
  main(argv).then(flushThenExit, (error: unknown) => {
    const failure = toGateError(error);
    process.stderr.write(`metering-gate: ${failure.code}: ${failure.message}\n${(error as Error)?.stack ?? ''}\n`);
    flushThenExit(failure.exitCode);
  });
}
