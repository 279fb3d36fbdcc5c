import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { GateError } from '../errors.js';
import { readEnvironmentFacts, type EnvironmentFacts } from './environment.js';
import { parseNetworkConfig, type NetworkConfig } from './network-config.js';
import { KEY_OPTIONS, REGISTER_OPTIONS, optionByKey, type OptionSpec } from './options.js';
import { parsePublicKey, readKeyFile, type KeyContext } from './public-key.js';
import { isValidRegion, REGION_EXAMPLES } from './region-name.js';
import { invalidSetting, missingSetting, optionName, readBoolean, readDuration, readSetting, type Env, type OptionNames, type RawFlags, type Setting } from './settings.js';

export const DEFAULT_OUTPUT_DIR = '/var/run/metering-gate';
export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';
const PRODUCT_CODE = /^[-a-zA-Z0-9/=:_.@]{1,255}$/;

export interface LoadedKey {
  readonly key: KeyObject;
  readonly bits: number;
  /** Where the key came from, for logs and doctor: a file path or `inline`. */
  readonly origin: string;
}

export interface RegisterConfig {
  readonly productCode: string;
  readonly publicKeyVersion: number;
  readonly publicKey: LoadedKey | null;
  readonly skipSignatureVerification: boolean;
  readonly trustedProductCodes: readonly string[] | null;
  /** The --nonce given, or a fresh UUIDv4 that the gate binds to the pod or task (see binding/nonce.ts). */
  readonly nonce: string;
  /** A --nonce given by the user is sent exactly as given, so it cannot carry a binding. */
  readonly nonceIsExplicit: boolean;
  readonly regionOverride: string | null;
  readonly endpointUrl: string | null;
  readonly outputDir: string;
  readonly deadlineMs: number;
  readonly attemptTimeoutMs: number;
  readonly onUnavailable: 'deny' | 'allow';
  readonly maxTokenAgeMs: number;
  readonly clockSkewMs: number;
  /** explicit: set by the user, so a failure to write it is worth a warning. */
  readonly terminationLog: { readonly path: string; readonly explicit: boolean };
  readonly environment: EnvironmentFacts;
  /** Proxy, NO_PROXY and CA bundle for the Metering and STS calls. */
  readonly network: NetworkConfig;
}

const spec = (key: string): OptionSpec => optionByKey(REGISTER_OPTIONS, key);

export function parseProductCode(setting: Setting): string {
  if (!PRODUCT_CODE.test(setting.value)) {
    throw invalidSetting(setting, 'must be 1-255 characters from A-Z a-z 0-9 - / = : _ . @');
  }
  return setting.value;
}

export function parsePublicKeyVersion(flags: RawFlags, env: Env, names: OptionNames = 'flags'): number {
  const setting = readSetting(flags, env, optionByKey(KEY_OPTIONS, 'publicKeyVersion'), names);
  if (!setting) return 1;
  const text = setting.value.trim();
  const version = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(version) || version < 1) throw invalidSetting(setting, 'must be an integer >= 1');
  return version;
}

/** The output directory alone, so a run that fails validation can still leave its reason there. */
export function resolveOutputDir(flags: RawFlags, env: Env, names: OptionNames = 'flags'): string {
  const setting = readSetting(flags, env, spec('outputDir'), names);
  return resolve(setting && setting.value.trim() !== '' ? setting.value : DEFAULT_OUTPUT_DIR);
}

/** `--public-key-file` and `--public-key` (and their env vars): one of them, flags before env. */
export function loadPublicKey(flags: RawFlags, env: Env, options: { required: boolean; requiredHint: string }, names: OptionNames = 'flags'): LoadedKey | null {
  const fileSpec = optionByKey(KEY_OPTIONS, 'publicKeyFile');
  const inlineSpec = optionByKey(KEY_OPTIONS, 'publicKey');
  const fromFlags = [flags[fileSpec.key], flags[inlineSpec.key]].filter((value) => typeof value === 'string');
  if (fromFlags.length > 1) {
    throw new GateError('CONFIG_INVALID', `invalid ${fileSpec.flag} and ${inlineSpec.flag}: give only one of them`);
  }
  const fileSetting = readSetting(flags, env, fileSpec, names);
  const inlineSetting = readSetting(flags, env, inlineSpec, names);
  let chosen: { setting: Setting; isFile: boolean } | undefined;
  if (typeof flags[fileSpec.key] === 'string' && fileSetting) chosen = { setting: fileSetting, isFile: true };
  else if (typeof flags[inlineSpec.key] === 'string' && inlineSetting) chosen = { setting: inlineSetting, isFile: false };
  else if (fileSetting && inlineSetting) {
    throw new GateError('CONFIG_INVALID', `invalid ${fileSetting.from} and ${inlineSetting.from}: set only one of them`);
  } else if (fileSetting) chosen = { setting: fileSetting, isFile: true };
  else if (inlineSetting) chosen = { setting: inlineSetting, isFile: false };

  if (!chosen) {
    if (options.required) throw new GateError('CONFIG_INVALID', `missing public key: ${options.requiredHint}`);
    return null;
  }
  const { setting, isFile } = chosen;
  const context: KeyContext = isFile
    ? { name: setting.from, shown: JSON.stringify(setting.value), file: setting.value }
    : {
        name: setting.from,
        shown: `(inline PEM, ${setting.value.length} characters)`,
        // The option that takes a path instead, in the same form (flag or env var) as the one used.
        fileOption: setting.from === optionName(inlineSpec, names) ? optionName(fileSpec, names) : (fileSpec.env?.[0] ?? fileSpec.flag),
      };
  const parsed = parsePublicKey(isFile ? readKeyFile(setting.value, context) : setting.value, context);
  return { key: parsed.key, bits: parsed.bits, origin: isFile ? setting.value : 'inline' };
}

export function parseTrustedProductCodes(flags: RawFlags, env: Env, names: OptionNames = 'flags'): readonly string[] | null {
  const setting = readSetting(flags, env, spec('trustedProductCodes'), names);
  if (!setting) return null;
  const codes = setting.value.split(',').map((code) => code.trim()).filter((code) => code !== '');
  if (codes.length === 0) throw invalidSetting(setting, 'must be a comma-separated list of product codes');
  for (const code of codes) {
    if (!PRODUCT_CODE.test(code)) throw invalidSetting(setting, `"${code}" is not a product code (1-255 characters from A-Z a-z 0-9 - / = : _ . @)`);
  }
  return codes;
}

export function parseEndpoint(flags: RawFlags, env: Env, names: OptionNames = 'flags'): string | null {
  const setting = readSetting(flags, env, spec('endpointUrl'), names);
  if (!setting) return null;
  let url: URL;
  try {
    url = new URL(setting.value);
  } catch {
    throw invalidSetting(setting, 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidSetting(setting, 'must be an absolute http:// or https:// URL');
  return setting.value;
}

// Each of register's options that doctor also reports has one parser here, so that both
// refuse exactly the same values with exactly the same message.

export function parseNonce(flags: RawFlags, env: Env, names: OptionNames = 'flags'): string | null {
  const setting = readSetting(flags, env, spec('nonce'), names);
  if (setting && (setting.value.length === 0 || setting.value.length > 255)) throw invalidSetting(setting, 'must be 1-255 characters');
  return setting?.value ?? null;
}

export function parseRegionOverride(flags: RawFlags, env: Env, names: OptionNames = 'flags'): string | null {
  const setting = readSetting(flags, env, spec('region'), names);
  if (setting && !isValidRegion(setting.value)) throw invalidSetting(setting, `must be ${REGION_EXAMPLES} (a region of a partition the AWS SDK knows)`);
  return setting?.value ?? null;
}

export function parseOnUnavailable(flags: RawFlags, env: Env, names: OptionNames = 'flags'): 'deny' | 'allow' {
  const setting = readSetting(flags, env, spec('onUnavailable'), names);
  const value = setting?.value.trim().toLowerCase() ?? 'deny';
  if (value !== 'deny' && value !== 'allow') throw invalidSetting(setting as Setting, 'must be deny or allow');
  return value;
}

/** resolveOutputDir, but refusing a blank value instead of falling back to the default. */
export function parseOutputDir(flags: RawFlags, env: Env, names: OptionNames = 'flags'): string {
  const setting = readSetting(flags, env, spec('outputDir'), names);
  if (setting && setting.value.trim() === '') throw invalidSetting(setting, 'must be a directory path');
  return resolveOutputDir(flags, env, names);
}

export function parseTerminationLog(flags: RawFlags, env: Env, names: OptionNames = 'flags'): RegisterConfig['terminationLog'] {
  const setting = readSetting(flags, env, spec('terminationLog'), names);
  if (setting) {
    if (setting.value.trim() === '') throw invalidSetting(setting, 'must be a file path');
    return { path: setting.value, explicit: true };
  }
  return { path: DEFAULT_TERMINATION_LOG, explicit: false };
}

type OptionParser = (flags: RawFlags, env: Env, names?: OptionNames) => unknown;

/**
 * The parser of each option the option table marks `doctorRow: 'options'`: register reads
 * them with these, and doctor's options row runs the same ones over the same table, so
 * the two refuse the same values with the same messages and doctor lists no option twice.
 */
export const RUN_OPTION_PARSERS = {
  nonce: parseNonce,
  outputDir: parseOutputDir,
  deadline: (flags, env, names) => readDuration(flags, env, spec('deadline'), names),
  attemptTimeout: (flags, env, names) => readDuration(flags, env, spec('attemptTimeout'), names),
  onUnavailable: parseOnUnavailable,
  maxTokenAge: (flags, env, names) => readDuration(flags, env, spec('maxTokenAge'), names),
  clockSkew: (flags, env, names) => readDuration(flags, env, spec('clockSkew'), names),
  terminationLog: parseTerminationLog,
} as const satisfies Readonly<Record<string, OptionParser>>;

/**
 * Everything register needs, validated before anything touches the network: the first
 * problem found ends the run with CONFIG_INVALID (or PRODUCT_CODE_UNTRUSTED), exit 2.
 */
export function parseRegisterConfig(flags: RawFlags, env: Env, names: OptionNames = 'flags'): RegisterConfig {
  const productCodeSetting = readSetting(flags, env, spec('productCode'), names);
  if (!productCodeSetting) throw missingSetting(spec('productCode'), 'your AWS Marketplace product code is required', names);
  const productCode = parseProductCode(productCodeSetting);

  const trustedProductCodes = parseTrustedProductCodes(flags, env, names);
  if (trustedProductCodes && !trustedProductCodes.includes(productCode)) {
    throw new GateError(
      'PRODUCT_CODE_UNTRUSTED',
      `product code ${JSON.stringify(productCode)} from ${productCodeSetting.from} is not in the trusted list (${trustedProductCodes.join(', ')}); refusing before calling AWS`,
    );
  }

  const publicKeyVersion = parsePublicKeyVersion(flags, env, names);
  const skipSignatureVerification = readBoolean(flags, env, spec('skipSignatureVerification'), names);
  const publicKey = skipSignatureVerification
    ? null
    : loadPublicKey(
        flags,
        env,
        {
          required: true,
          requiredHint:
            names === 'library'
              ? 'give publicKey (or set METERING_GATE_PUBLIC_KEY_FILE / METERING_GATE_PUBLIC_KEY); only skipSignatureVerification runs without one'
              : 'set --public-key-file or --public-key (or METERING_GATE_PUBLIC_KEY_FILE / METERING_GATE_PUBLIC_KEY); only --skip-signature-verification runs without one',
        },
        names,
      );

  const explicitNonce = RUN_OPTION_PARSERS.nonce(flags, env, names);
  const regionOverride = parseRegionOverride(flags, env, names);
  const onUnavailable = RUN_OPTION_PARSERS.onUnavailable(flags, env, names);
  const outputDir = RUN_OPTION_PARSERS.outputDir(flags, env, names);

  return {
    productCode,
    publicKeyVersion,
    publicKey,
    skipSignatureVerification,
    trustedProductCodes,
    nonce: explicitNonce ?? randomUUID(),
    nonceIsExplicit: explicitNonce !== null,
    regionOverride,
    endpointUrl: parseEndpoint(flags, env, names),
    outputDir,
    deadlineMs: RUN_OPTION_PARSERS.deadline(flags, env, names),
    attemptTimeoutMs: RUN_OPTION_PARSERS.attemptTimeout(flags, env, names),
    onUnavailable,
    maxTokenAgeMs: RUN_OPTION_PARSERS.maxTokenAge(flags, env, names),
    clockSkewMs: RUN_OPTION_PARSERS.clockSkew(flags, env, names),
    terminationLog: RUN_OPTION_PARSERS.terminationLog(flags, env, names),
    environment: readEnvironmentFacts(env),
    network: parseNetworkConfig(flags, env),
  };
}
