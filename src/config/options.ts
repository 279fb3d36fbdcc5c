/**
 * The one table of register's options: the CLI builds its flags and help from it, and the
 * config parser reads flag-then-env from it, so a flag and its env var can never drift apart.
 */
export interface OptionSpec {
  /** camelCase key, as commander names the parsed flag. */
  readonly key: string;
  readonly flag: string;
  readonly env?: readonly string[];
  /** Placeholder for the value in --help; absent for boolean switches. */
  readonly arg?: string;
  readonly description: string;
  /** Durations: the value when neither the flag nor an env var is set; --help shows it unless defaultText says more. */
  readonly default?: string;
  /** Durations: the smallest and largest values allowed, in ms; --help and every refusal show them. */
  readonly minMs?: number;
  readonly maxMs?: number;
  readonly defaultText?: string;
  /** The library's name for it, where that is not `key` (register() takes a key file and an inline key both as `publicKey`). */
  readonly libraryName?: string;
  /**
   * register's options that doctor validates and shows in its `options` row, each with register's
   * own parser (register-config.ts, RUN_OPTION_PARSERS); every other one has a row of its own.
   */
  readonly doctorRow?: 'options';
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const KEY_OPTIONS: readonly OptionSpec[] = [
  { key: 'publicKeyVersion', flag: '--public-key-version', arg: 'N', env: ['METERING_GATE_PUBLIC_KEY_VERSION'], description: 'public key version given to you by AWS Marketplace (integer >= 1)', defaultText: '1' },
  { key: 'publicKeyFile', flag: '--public-key-file', arg: 'FILE', env: ['METERING_GATE_PUBLIC_KEY_FILE'], description: 'PEM public key file (SPKI or PKCS#1 RSA, >= 2048 bits)', libraryName: 'publicKey' },
  { key: 'publicKey', flag: '--public-key', arg: 'PEM', env: ['METERING_GATE_PUBLIC_KEY'], description: 'the same PEM inline; literal \\n, one-line bodies and the base64 body alone are accepted' },
];

export const REGISTER_OPTIONS: readonly OptionSpec[] = [
  { key: 'productCode', flag: '--product-code', arg: 'CODE', env: ['METERING_GATE_PRODUCT_CODE'], description: 'your AWS Marketplace product code (required)' },
  ...KEY_OPTIONS,
  { key: 'skipSignatureVerification', flag: '--skip-signature-verification', env: ['METERING_GATE_SKIP_SIGNATURE_VERIFICATION'], description: 'run without a public key (warned about and recorded in the result)' },
  { key: 'trustedProductCodes', flag: '--trusted-product-codes', arg: 'LIST', env: ['METERING_GATE_TRUSTED_PRODUCT_CODES'], description: 'comma-separated allow-list; any other product code is refused before AWS is called' },
  { key: 'nonce', flag: '--nonce', arg: 'TEXT', env: ['METERING_GATE_NONCE'], description: 'nonce sent to AWS and checked in the token (<= 255 chars)', defaultText: 'random UUIDv4', doctorRow: 'options' },
  { key: 'region', flag: '--region', arg: 'REGION', description: 'override the detected region (warned about: AWS says not to hard-code it)' },
  { key: 'endpointUrl', flag: '--endpoint-url', arg: 'URL', env: ['METERING_GATE_ENDPOINT_URL', 'AWS_ENDPOINT_URL_MARKETPLACE_METERING', 'AWS_ENDPOINT_URL'], description: 'Metering endpoint, for the emulator and tests', defaultText: 'AWS' },
  { key: 'caBundle', flag: '--ca-bundle', arg: 'FILE', env: ['METERING_GATE_CA_BUNDLE', 'AWS_CA_BUNDLE'], description: 'PEM file of extra CA certificates for Metering and STS (added to Node\'s roots)' },
  { key: 'outputDir', flag: '--output-dir', arg: 'DIR', env: ['METERING_GATE_OUTPUT_DIR'], description: 'where entitlement.json and entitlement.env are written', defaultText: '/var/run/metering-gate', doctorRow: 'options' },
  { key: 'deadline', flag: '--deadline', arg: 'DURATION', env: ['METERING_GATE_DEADLINE'], description: 'total time budget for all attempts', default: '5m', minMs: 100, maxMs: DAY, doctorRow: 'options' },
  { key: 'attemptTimeout', flag: '--attempt-timeout', arg: 'DURATION', env: ['METERING_GATE_ATTEMPT_TIMEOUT'], description: 'time limit of one request (really aborted)', default: '10s', minMs: 100, maxMs: HOUR, doctorRow: 'options' },
  { key: 'onUnavailable', flag: '--on-unavailable', arg: 'deny|allow', env: ['METERING_GATE_ON_UNAVAILABLE'], description: 'when only transient failures happened until the deadline: refuse (deny) or start in GRACE (allow)', defaultText: 'deny', doctorRow: 'options' },
  { key: 'maxTokenAge', flag: '--max-token-age', arg: 'DURATION', env: ['METERING_GATE_MAX_TOKEN_AGE'], description: 'oldest acceptable token iat', default: '15m', minMs: SECOND, maxMs: 30 * DAY, doctorRow: 'options' },
  { key: 'clockSkew', flag: '--clock-skew', arg: 'DURATION', env: ['METERING_GATE_CLOCK_SKEW'], description: 'tolerance for a token iat in the future', default: '2m', minMs: 0, maxMs: HOUR, doctorRow: 'options' },
  { key: 'terminationLog', flag: '--termination-log', arg: 'FILE', env: ['METERING_GATE_TERMINATION_LOG'], description: 'where to write the one-paragraph outcome for kubectl describe pod', defaultText: '/dev/termination-log if writable', doctorRow: 'options' },
];

export const LOG_OPTIONS: readonly OptionSpec[] = [
  { key: 'logLevel', flag: '--log-level', arg: 'LEVEL', env: ['METERING_GATE_LOG_LEVEL'], description: 'fatal, error, warn, info, debug, trace or silent', defaultText: 'info' },
  { key: 'logFormat', flag: '--log-format', arg: 'json|pretty', env: ['METERING_GATE_LOG_FORMAT'], description: 'log format on stderr', defaultText: 'json, pretty on a TTY' },
];

/** Doctor's own switches; everything else is register's table, so doctor checks exactly what register would use. */
export const DOCTOR_ONLY_OPTIONS: readonly OptionSpec[] = [
  { key: 'output', flag: '--output', arg: 'table|json', description: 'human table or one JSON document on stdout', defaultText: 'table' },
  { key: 'call', flag: '--call', description: 'also make one real RegisterUsage call (off by default: doctor never registers unless asked)' },
  { key: 'checkTimeout', flag: '--check-timeout', arg: 'DURATION', description: 'time limit of each network probe (metadata, DNS, TCP, TLS)', default: '2s', minMs: 100, maxMs: 5 * MINUTE },
];

export const VERIFY_OPTIONS: readonly OptionSpec[] = [
  { key: 'outputDir', flag: '--output-dir', arg: 'DIR', env: ['METERING_GATE_OUTPUT_DIR'], description: 'directory holding entitlement.json', defaultText: '/var/run/metering-gate' },
  { key: 'result', flag: '--result', arg: 'FILE', description: 'the exact result file to check (instead of --output-dir)' },
  ...KEY_OPTIONS,
  { key: 'productCode', flag: '--product-code', arg: 'CODE', description: 'also require the result to be for this product' },
  // No environment variables from here on: the workload's environment must not loosen a check.
  {
    key: 'maxAge',
    flag: '--max-age',
    arg: 'DURATION',
    description: 'oldest acceptable token iat; when given, it applies even to a result bound to this pod or task',
    default: '24h',
    defaultText: 'none while the result is bound to this pod or task; 24h where no pod or task identity exists',
    minMs: SECOND,
    maxMs: 30 * DAY,
  },
  { key: 'clockSkew', flag: '--clock-skew', arg: 'DURATION', description: 'tolerance for a token iat in the future', default: '2m', minMs: 0, maxMs: HOUR },
  { key: 'wait', flag: '--wait', arg: 'DURATION', description: 'wait this long for the result file to appear first', default: '0', minMs: 0, maxMs: DAY },
];

export function optionByKey(options: readonly OptionSpec[], key: string): OptionSpec {
  const spec = options.find((option) => option.key === key);
  if (!spec) throw new Error(`no option ${key}`);
  return spec;
}

/** A duration option's range; the table gives every duration one (1ms to a day if it forgot). */
export function durationRange(spec: OptionSpec): { minMs: number; maxMs: number } {
  return { minMs: spec.minMs ?? 1, maxMs: spec.maxMs ?? DAY };
}
