import { readEnvironmentFacts, type EnvironmentFacts } from './environment.js';
import { parseLogConfig } from './log-config.js';
import { parseCaBundle, parseProxySettings, type CaBundle, type NetworkConfig, type ProxySettings } from './network-config.js';
import { DOCTOR_ONLY_OPTIONS, REGISTER_OPTIONS, optionByKey, type OptionSpec } from './options.js';
import {
  loadPublicKey,
  parseEndpoint,
  parseProductCode,
  parsePublicKeyVersion,
  parseRegionOverride,
  parseTrustedProductCodes,
  resolveOutputDir,
  RUN_OPTION_PARSERS,
  type LoadedKey,
} from './register-config.js';
import { invalidSetting, readBoolean, readDuration, readSetting, type Env, type OptionNames, type RawFlags, type Setting } from './settings.js';
import { GateError, toGateError } from '../errors.js';

/** A value, or the reason it is unusable: doctor reports a bad value as a failing row instead of stopping. */
export type Field<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GateError };

export interface RunOptions {
  readonly nonce: string | null;
  readonly deadlineMs: number;
  readonly attemptTimeoutMs: number;
  readonly onUnavailable: 'deny' | 'allow';
  readonly maxTokenAgeMs: number;
  readonly clockSkewMs: number;
  /** Each option of the table's options row, in table order, with its value as parsed (null: unset, no default). */
  readonly shown: readonly { readonly spec: OptionSpec; readonly value: unknown }[];
}

export interface DoctorConfig {
  readonly output: 'table' | 'json';
  readonly call: boolean;
  readonly checkTimeoutMs: number;
  /** null: not set at all. */
  readonly productCode: Field<{ readonly code: string; readonly from: string } | null>;
  readonly trustedProductCodes: Field<readonly string[] | null>;
  readonly publicKeyVersion: Field<number>;
  readonly skipSignatureVerification: Field<boolean>;
  /** null: no key given. */
  readonly publicKey: Field<LoadedKey | null>;
  readonly regionOverride: Field<string | null>;
  readonly endpointUrl: Field<string | null>;
  readonly outputDir: string;
  readonly runOptions: Field<RunOptions>;
  readonly environment: EnvironmentFacts;
  readonly proxySettings: Field<ProxySettings>;
  readonly caBundle: Field<CaBundle | null>;
  /** Both of the above, as register uses them; the first problem when either is bad. */
  readonly network: Field<NetworkConfig>;
}

function field<T>(read: () => T): Field<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    return { ok: false, error: toGateError(error) };
  }
}

const spec = (key: string): OptionSpec => optionByKey(REGISTER_OPTIONS, key);

/** The options register's table gives to doctor's options row (see OptionSpec.doctorRow). */
export const OPTIONS_ROW: readonly OptionSpec[] = REGISTER_OPTIONS.filter((option) => option.doctorRow === 'options');

/**
 * Each option of the options row through register's own parser, and the log options;
 * every problem at once, so one doctor run lists them all rather than the first.
 */
function readRunOptions(flags: RawFlags, env: Env): RunOptions {
  const problems: string[] = [];
  const values = new Map<string, unknown>();
  const attempt = (read: () => unknown): unknown => {
    try {
      return read();
    } catch (error) {
      problems.push(toGateError(error).message);
      return undefined;
    }
  };
  for (const option of OPTIONS_ROW) {
    const parse = (RUN_OPTION_PARSERS as Readonly<Record<string, (flags: RawFlags, env: Env, names: OptionNames) => unknown>>)[option.key];
    // The table and the parsers are one list: an option marked for the row without a parser is a bug.
    if (!parse) throw new Error(`option ${option.key} is marked for doctor's options row but register has no parser for it`);
    values.set(option.key, attempt(() => parse(flags, env, 'flags')));
  }
  attempt(() => parseLogConfig(flags, env, false));
  if (problems.length > 0) throw new GateError('CONFIG_INVALID', problems.join('; '));
  const value = <K extends keyof typeof RUN_OPTION_PARSERS>(key: K) => values.get(key) as ReturnType<(typeof RUN_OPTION_PARSERS)[K]>;
  return {
    nonce: value('nonce'),
    deadlineMs: value('deadline'),
    attemptTimeoutMs: value('attemptTimeout'),
    onUnavailable: value('onUnavailable'),
    maxTokenAgeMs: value('maxTokenAge'),
    clockSkewMs: value('clockSkew'),
    shown: OPTIONS_ROW.map((spec) => ({ spec, value: values.get(spec.key) ?? null })),
  };
}

function readProductCode(flags: RawFlags, env: Env): { code: string; from: string } | null {
  const setting = readSetting(flags, env, spec('productCode'));
  if (!setting) return null;
  return { code: parseProductCode(setting), from: setting.from };
}

/**
 * Register's options read leniently: each value that register would refuse with exit 2
 * becomes a failing field. Only doctor's own switches (--output, --check-timeout) are
 * strict, because without them there is no report to put a row in.
 */
export function parseDoctorConfig(flags: RawFlags, env: Env): DoctorConfig {
  const outputSetting = readSetting(flags, env, optionByKey(DOCTOR_ONLY_OPTIONS, 'output'));
  const output = outputSetting?.value.trim().toLowerCase() ?? 'table';
  if (output !== 'table' && output !== 'json') throw invalidSetting(outputSetting as Setting, 'must be table or json');
  const checkTimeoutMs = readDuration(flags, env, optionByKey(DOCTOR_ONLY_OPTIONS, 'checkTimeout'));

  const skipSignatureVerification = field(() => readBoolean(flags, env, spec('skipSignatureVerification')));
  const proxySettings = field(() => parseProxySettings(env));
  const caBundle = field(() => parseCaBundle(flags, env));
  return {
    output,
    call: flags['call'] === true,
    checkTimeoutMs,
    productCode: field(() => readProductCode(flags, env)),
    trustedProductCodes: field(() => parseTrustedProductCodes(flags, env)),
    publicKeyVersion: field(() => parsePublicKeyVersion(flags, env)),
    skipSignatureVerification,
    publicKey: field(() => loadPublicKey(flags, env, { required: false, requiredHint: '' })),
    regionOverride: field(() => parseRegionOverride(flags, env)),
    endpointUrl: field(() => parseEndpoint(flags, env)),
    outputDir: resolveOutputDir(flags, env),
    runOptions: field(() => readRunOptions(flags, env)),
    environment: readEnvironmentFacts(env),
    proxySettings,
    caBundle,
    network: proxySettings.ok ? (caBundle.ok ? { ok: true, value: { ...proxySettings.value, caBundle: caBundle.value, nodeExtraCaCerts: env['NODE_EXTRA_CA_CERTS'] || null } } : caBundle) : proxySettings,
  };
}
