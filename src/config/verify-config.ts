import { join, resolve } from 'node:path';
import { VERIFY_OPTIONS, optionByKey } from './options.js';
import { readEnvironmentFacts, type EnvironmentFacts } from './environment.js';
import { loadPublicKey, parseProductCode, parsePublicKeyVersion, resolveOutputDir, type LoadedKey } from './register-config.js';
import { invalidSetting, readDuration, readSetting, type Env, type RawFlags } from './settings.js';
import { RESULT_FILE } from '../result/entitlement.js';
import { GateError } from '../errors.js';

export interface VerifyConfig {
  readonly file: string;
  readonly key: LoadedKey;
  readonly productCode: string | undefined;
  /** When given (flag or env, which can only narrow it), the token's version must equal it. */
  readonly publicKeyVersion: number | undefined;
  /** Only --max-age; null when not given, and then the binding decides (see verify/result-file.ts). */
  readonly maxAgeMs: number | null;
  /** Used only where no pod or task identity exists. */
  readonly unboundMaxAgeMs: number;
  readonly clockSkewMs: number;
  readonly waitMs: number;
  /** Where the pod UID or the ECS task metadata endpoint come from. */
  readonly environment: EnvironmentFacts;
}

/**
 * verify's options. Only the key, its version and the output directory read the environment
 * (as register's do); the age, skew and wait limits come from flags alone, so that nothing in
 * the workload's environment can loosen a check.
 */
export function parseVerifyConfig(flags: RawFlags, env: Env): VerifyConfig {
  const maxAgeSpec = optionByKey(VERIFY_OPTIONS, 'maxAge');
  const resultFlag = flags['result'];
  if (typeof resultFlag === 'string' && typeof flags['outputDir'] === 'string') {
    throw new GateError('CONFIG_INVALID', 'invalid --result and --output-dir: give only one of them');
  }
  const resultSetting = readSetting(flags, env, optionByKey(VERIFY_OPTIONS, 'result'));
  if (resultSetting && resultSetting.value.trim() === '') throw invalidSetting(resultSetting, 'must be a file path');
  const file = resultSetting ? resolve(resultSetting.value) : join(resolveOutputDir(flags, env), RESULT_FILE);
  const productCodeSetting = readSetting(flags, env, optionByKey(VERIFY_OPTIONS, 'productCode'));
  const key = loadPublicKey(flags, env, {
    required: true,
    requiredHint: 'verify needs --public-key-file or --public-key (or METERING_GATE_PUBLIC_KEY_FILE / METERING_GATE_PUBLIC_KEY)',
  }) as LoadedKey;
  return {
    file,
    key,
    productCode: productCodeSetting ? parseProductCode(productCodeSetting) : undefined,
    publicKeyVersion: readSetting(flags, env, optionByKey(VERIFY_OPTIONS, 'publicKeyVersion')) ? parsePublicKeyVersion(flags, env) : undefined,
    maxAgeMs: readSetting(flags, {}, maxAgeSpec) ? readDuration(flags, {}, maxAgeSpec) : null,
    unboundMaxAgeMs: readDuration({}, {}, maxAgeSpec),
    clockSkewMs: readDuration(flags, {}, optionByKey(VERIFY_OPTIONS, 'clockSkew')),
    waitMs: readDuration(flags, {}, optionByKey(VERIFY_OPTIONS, 'wait')),
    environment: readEnvironmentFacts(env),
  };
}
