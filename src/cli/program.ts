import { Command, Option } from 'commander';
import { EXIT_CODES, exitCodeList, type ErrorCode } from '../errors.js';
import { formatRange } from '../config/duration.js';
import { looksLikeFlag } from '../config/settings.js';
import { nearest } from '../config/variable-names.js';
import { DOCTOR_ONLY_OPTIONS, LOG_OPTIONS, REGISTER_OPTIONS, VERIFY_OPTIONS, durationRange, type OptionSpec } from '../config/options.js';
import { versionText } from '../version.js';

export type CommandName = 'register' | 'verify' | 'emulator' | 'doctor' | 'exec';
export interface Invocation {
  readonly command: CommandName;
  readonly flags: Record<string, unknown>;
}

function addOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    const envText = spec.env?.length ? ` [env: ${spec.env.join(', ')}]` : '';
    const shownDefault = spec.defaultText ?? spec.default;
    // Durations show their range too: the same numbers the parser enforces.
    const rangeText = spec.arg === 'DURATION' ? `${shownDefault ? '; ' : ''}${formatRange(durationRange(spec))}` : '';
    const defaultText = shownDefault || rangeText ? ` (${shownDefault ? `default: ${shownDefault}` : ''}${rangeText})` : '';
    command.addOption(new Option(`${spec.flag}${spec.arg ? ` <${spec.arg}>` : ''}`, `${spec.description}${defaultText}${envText}`));
  }
  return command;
}

const DURATION_NOTE = `
Durations need a unit: ms, s, m, h or d, alone or combined (500ms, 30s, 5m, 1h, 1m30s); a
bare number other than 0 is refused, so that --wait 30 cannot mean 30 milliseconds.`;

/** Breaks generated text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width = 92): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

// From the one table in errors.ts: every code register can end with, and those verify can.
const REGISTER_EXIT_CODES = exitCodeList('entitled (or GRACE)', (Object.keys(EXIT_CODES) as ErrorCode[]).filter((code) => code !== 'RESULT_MISSING'));
const VERIFY_EXIT_CODES = exitCodeList('verified', ['INTERNAL', 'CONFIG_INVALID', 'CUSTOMER_NOT_ENTITLED', 'TOKEN_INVALID', 'RESULT_MISSING', 'TERMINATED']);

const REGISTER_EXAMPLES = `
Examples:
  # In a pod or task: everything from the environment the chart or task definition sets
  metering-gate

  # Explicitly, against the local emulator
  metering-gate register --product-code cqcvf9f0ugw8rkbgmf1c9dxyz \\
    --public-key-file key.pem --endpoint-url http://127.0.0.1:8080 --output-dir ./out

${wrap(`Exit codes: ${REGISTER_EXIT_CODES}.`)}`;

const VERIFY_EXAMPLES = `
Examples:
  # In the main container: refuse to start unless the gate's result verifies
  metering-gate verify --public-key-file /etc/metering-gate/key.pem --wait 30s

  # Check a copied result file for one product
  metering-gate verify --result ./entitlement.json --public-key-file key.pem --product-code cqcvf9f0ugw8rkbgmf1c9dxyz

${wrap(`Exit codes: ${VERIFY_EXIT_CODES}; for a result that records a failed registration, the code that registration exited with.`)}`;

const DOCTOR_EXAMPLES = `
Examples:
  # In the pod or task, with the same environment as the gate (kubectl debug, ECS Exec)
  metering-gate doctor

  # Against the local emulator, as JSON, and with one real RegisterUsage call
  metering-gate doctor --product-code cqcvf9f0ugw8rkbgmf1c9dxyz --public-key-file key.pem \\
    --endpoint-url http://127.0.0.1:8080 --output json --call

Rows: platform, credentials, region, imds, endpoint, sts, public-key, product-code, options,
output-dir, call. Exit 0 when no row fails, else the exit code of the first failing row
(the code register would exit with).`;

const EXEC_EXAMPLES = `
Examples:
  # Register, then run the workload with METERING_GATE_* variables in its environment
  metering-gate exec -- node server.js --port 8080

  # Against the local emulator
  metering-gate exec --product-code cqcvf9f0ugw8rkbgmf1c9dxyz --public-key-file key.pem \\
    --endpoint-url http://127.0.0.1:8080 --output-dir ./out -- sh -c 'echo "$METERING_GATE_STATUS"'

The command starts only when register would exit 0; otherwise exec exits with the gate's
code and the command never runs. TERM, INT, HUP, QUIT, USR1, USR2 and WINCH are forwarded to the command,
and exec exits with its exit code (128+N when a signal N ended it). The result JSON line
goes to stderr, so the command owns stdout.`;

const EMULATOR_EXAMPLES = `
Examples:
  metering-gate emulator --port 8080 --key-out ./emulator-key.pem
  metering-gate emulator --scenario not-entitled --task-region us-east-1
  metering-gate emulator --scenario rate-limit:50:50
  # IRSA: STS AssumeRoleWithWebIdentity for this token only (point the gate's AWS_ENDPOINT_URL_STS here)
  metering-gate emulator --web-identity-token-file ./token.jwt --sts-scenario access-denied
  # HTTPS with its own CA, behind an egress proxy that alone reaches the AWS host names
  metering-gate emulator --tls --ca-out ./emulator-ca.pem --proxy-port 3128 --key-out ./emulator-key.pem`;

/** A program made by prepareProgram, and where its actions send the invocation. */
let prepared: { readonly program: Command; readonly route: { onInvoke: (invocation: Invocation) => void } } | null = null;

/**
 * Called while the startup snapshot is built (snapshot/rehearsal.ts): makes the program, never
 * parsed, that the run's first buildProgram hands out, so that a start does not build some
 * 85 commander options and their help texts again (~5 ms of a start in a CPU profile). Its
 * version text names the node that builds the snapshot, the only node that can start from it.
 */
export function prepareProgram(): void {
  const route = { onInvoke: (_invocation: Invocation): void => undefined };
  prepared = { program: makeProgram((invocation) => route.onInvoke(invocation)), route };
}

/**
 * Parses argv into a command and its raw flags; validation of values is config's job. The
 * first call takes the snapshot's program if there is one (a program is parsed only once);
 * every other call makes its own.
 */
export function buildProgram(onInvoke: (invocation: Invocation) => void): Command {
  if (prepared !== null) {
    const { program, route } = prepared;
    prepared = null;
    route.onInvoke = onInvoke;
    return program;
  }
  return makeProgram(onInvoke);
}

function makeProgram(onInvoke: (invocation: Invocation) => void): Command {
  const program = new Command('metering-gate')
    .description('Gate a paid AWS Marketplace container on RegisterUsage: register, verify the signed token, write the result, exit with a code that starts or refuses the workload.')
    .version(versionText(), '-V, --version', 'print the gate\'s version, its commit and the version of Node it runs on')
    .showSuggestionAfterError(true)
    // exec's options end where its command begins (passThroughOptions needs this).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  const register = new Command('register').description('register usage, verify the token, write the result files (the default command)');
  addOptions(addOptions(register, REGISTER_OPTIONS), LOG_OPTIONS).addHelpText('after', REGISTER_EXAMPLES).addHelpText('after', DURATION_NOTE).action(function (this: Command) {
    onInvoke({ command: 'register', flags: this.opts() });
  });
  program.addCommand(register, { isDefault: true });

  const verify = new Command('verify').description('re-verify a result file offline: status, token signature, claims and age');
  addOptions(addOptions(verify, VERIFY_OPTIONS), LOG_OPTIONS).addHelpText('after', VERIFY_EXAMPLES).addHelpText('after', DURATION_NOTE).action(function (this: Command) {
    onInvoke({ command: 'verify', flags: this.opts() });
  });
  program.addCommand(verify);

  const doctor = new Command('doctor').description('diagnose platform, credentials, region, IMDS, endpoint, key, product code and output dir without registering');
  addOptions(addOptions(addOptions(doctor, REGISTER_OPTIONS), DOCTOR_ONLY_OPTIONS), LOG_OPTIONS)
    .addHelpText('after', DOCTOR_EXAMPLES).addHelpText('after', DURATION_NOTE)
    .action(function (this: Command) {
      onInvoke({ command: 'doctor', flags: this.opts() });
    });
  program.addCommand(doctor);

  const exec = new Command('exec')
    .description('register, then (only if allowed) run CMD with the result in its environment, forwarding signals')
    .argument('<cmd...>', 'the command to run and its arguments (after --)')
    .passThroughOptions();
  addOptions(addOptions(exec, REGISTER_OPTIONS), LOG_OPTIONS)
    .addHelpText('after', EXEC_EXAMPLES).addHelpText('after', DURATION_NOTE)
    .action(function (this: Command, cmd: string[]) {
      onInvoke({ command: 'exec', flags: { ...this.opts(), command: cmd } });
    });
  program.addCommand(exec);

  const emulator = new Command('emulator')
    .description('run a local, protocol-faithful stand-in for the Marketplace Metering service')
    .option('--host <HOST>', 'address to listen on', '127.0.0.1')
    .option('--port <PORT>', 'port to listen on (0 picks a free one)', '0')
    .option('--scenario <NAME>', 'how to answer (see the README for the list)', 'entitled')
    .option('--task-region <REGION>', 'answer InvalidRegionException to requests signed for another region')
    .option('--key-out <FILE>', 'write the public key (SPKI PEM) that verifies its tokens here')
    .option('--secret-access-key <SECRET>', 'verify SigV4 signatures fully with this secret (test credentials only)')
    .option('--web-identity-token-file <FILE>', 'answer STS AssumeRoleWithWebIdentity for the token in FILE only; RegisterUsage then accepts only the credentials STS issued')
    .option('--sts-scenario <NAME>', 'how STS answers: ok, invalid-identity-token, access-denied, expired-token, throttle[:N], idp-communication-error[:N], outage[:N]', 'ok')
    .option('--tls', 'serve HTTPS, with a certificate for metering.marketplace.<region>.amazonaws.com, sts.<region>.amazonaws.com, localhost and 127.0.0.1 from a CA made for this run')
    .option('--ca-out <FILE>', 'with --tls: write that CA (PEM) here, for AWS_CA_BUNDLE')
    .option('--tls-expired', 'like --tls, but with a server certificate that has expired (to test certificate failures)')
    .option('--proxy-port <PORT>', 'also run an egress proxy here (0 picks a port) that tunnels CONNECT for the AWS host names to the emulator and refuses the rest')
    .option('--proxy-credentials <USER:PASSWORD>', 'make that proxy require these credentials (HTTP 407 otherwise)')
    .addHelpText('after', EMULATOR_EXAMPLES)
    .action(function (this: Command) {
      onInvoke({ command: 'emulator', flags: this.opts() });
    });
  program.addCommand(emulator);
  // addCommand() does not pass these on, and without them commander exits 1 on its own.
  for (const command of program.commands) command.exitOverride().configureOutput({ outputError: () => undefined });
  program.addHelpText('after', `\nRun "metering-gate <command> --help" for a command's options and examples.${REGISTER_EXAMPLES}`);
  return program;
}

/**
 * A better account of a usage error than commander's, for the two mistakes behind most of
 * them. `register` is the default command, so a misspelt command (`regster`) reaches it as an
 * argument and commander says only "too many arguments"; and a flag given no value takes the
 * next flag as its value (`--product-code --public-key-file k.pem`), leaving that flag's value
 * over. Null when neither applies.
 */
export function explainUsageError(program: Command, args: readonly string[]): string | null {
  const names = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
  const first = args[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !names.includes(first)) {
    const suggestion = nearest(first, names);
    return `unknown command '${first}'${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  }
  const command = program.commands.find((candidate) => candidate.name() === first) ?? program.commands.find((candidate) => candidate.name() === 'register');
  const end = args.indexOf('--');
  const own = end === -1 ? args : args.slice(0, end);
  for (let index = 0; index < own.length - 1; index += 1) {
    const option = command?.options.find((candidate) => candidate.long === own[index]);
    const next = own[index + 1] as string;
    if (option?.required && looksLikeFlag(next)) return `invalid ${option.long} ${JSON.stringify(next)}: that is an option, not a value; ${option.long} needs its value right after it`;
  }
  return null;
}
