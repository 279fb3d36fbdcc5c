import { join, resolve } from 'node:path';
import { VERIFY_OPTIONS, optionByKey } from './options.js';
import { loadPublicKey, parseProductCode, resolveOutputDir, type LoadedKey } from './register-config.js';
import { invalidSetting, readDuration, readSetting, type Env, type RawFlags } from './settings.js';
import { RESULT_FILE } from '../result/entitlement.js';
import { GateError } from '../errors.js';

export interface VerifyConfig {
  readonly file: string;
  readonly key: LoadedKey;
  readonly productCode: string | undefined;
  readonly maxAgeMs: number;
  readonly clockSkewMs: number;
  readonly waitMs: number;
}

export function parseVerifyConfig(flags: RawFlags, env: Env): VerifyConfig {
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
    maxAgeMs: readDuration(flags, env, optionByKey(VERIFY_OPTIONS, 'maxAge')),
    clockSkewMs: readDuration(flags, env, optionByKey(VERIFY_OPTIONS, 'clockSkew')),
    waitMs: readDuration(flags, env, optionByKey(VERIFY_OPTIONS, 'wait')),
  };
}
