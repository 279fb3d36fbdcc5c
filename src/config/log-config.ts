import { LOG_OPTIONS, optionByKey } from './options.js';
import { invalidSetting, readSetting, type Env, type OptionNames, type RawFlags } from './settings.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LogConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** What a command logs with when the log settings themselves are invalid. */
export const FALLBACK_LOG_CONFIG: LogConfig = { level: 'info', format: 'json' };

/** Parsed apart from the rest so that errors in the rest can still be logged in the chosen format. */
export function parseLogConfig(flags: RawFlags, env: Env, stderrIsTty: boolean, names: OptionNames = 'flags'): LogConfig {
  const levelSetting = readSetting(flags, env, optionByKey(LOG_OPTIONS, 'logLevel'), names);
  const level = (levelSetting?.value.trim().toLowerCase() ?? 'info') as LogLevel;
  if (levelSetting && !LOG_LEVELS.includes(level)) throw invalidSetting(levelSetting, `must be one of ${LOG_LEVELS.join(', ')}`);
  const formatSetting = readSetting(flags, env, optionByKey(LOG_OPTIONS, 'logFormat'), names);
  const format = formatSetting?.value.trim().toLowerCase() ?? (stderrIsTty ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw invalidSetting(formatSetting ?? { value: format, from: '--log-format' }, 'must be json or pretty');
  return { level, format };
}
