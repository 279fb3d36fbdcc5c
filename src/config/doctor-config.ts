import { readEnvironmentFacts, type EnvironmentFacts } from './environment.js';
import { parseLogConfig } from './log-config.js';
import { parseCaBundle, parseProxySettings, type CaBundle, type NetworkConfig, type ProxySettings } from './network-config.js';
import { DOCTOR_ONLY_OPTIONS, REGISTER_OPTIONS, optionByKey, type OptionSpec } from './options.js';
import {
  loadPublicKey,
  parseEndpoint,
  parseNonce,
  parseOnUnavailable,
  parseOutputDir,
  parseProductCode,
  parsePublicKeyVersion,
  parseRegionOverride,
  parseTerminationLog,
  parseTrustedProductCodes,
  resolveOutputDir,
  type LoadedKey,
} from './register-config.js';
import { invalidSetting, readBoolean, readDuration, readSetting, type Env, type RawFlags, type Setting } from './settings.js';
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

/** Every problem at once, so one doctor run lists them all rather than the first. */
function readRunOptions(flags: RawFlags, env: Env): RunOptions {
  const problems: string[] = [];
  const attempt = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      problems.push(toGateError(error).message);
      return fallback;
    }
  };
  const nonce = attempt(() => parseNonce(flags, env), null);
  const onUnavailable = attempt(() => parseOnUnavailable(flags, env), 'deny' as const);
  const deadlineMs = attempt(() => readDuration(flags, env, spec('deadline')), 0);
  const attemptTimeoutMs = attempt(() => readDuration(flags, env, spec('attemptTimeout')), 0);
  const maxTokenAgeMs = attempt(() => readDuration(flags, env, spec('maxTokenAge')), 0);
  const clockSkewMs = attempt(() => readDuration(flags, env, spec('clockSkew')), 0);
  attempt(() => parseTerminationLog(flags, env), undefined);
  attempt(() => parseOutputDir(flags, env), undefined);
  attempt(() => parseLogConfig(flags, env, false), undefined);
  if (problems.length > 0) throw new GateError('CONFIG_INVALID', problems.join('; '));
  return { nonce, deadlineMs, attemptTimeoutMs, onUnavailable, maxTokenAgeMs, clockSkewMs };
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
