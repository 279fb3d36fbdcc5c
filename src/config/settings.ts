import { GateError } from '../errors.js';
import { readDurationValue } from './duration.js';
import { durationRange, type OptionSpec } from './options.js';

export type RawFlags = Readonly<Record<string, unknown>>;
export type Env = Readonly<Record<string, string | undefined>>;

/** A value and where it came from, so an error can name the flag or env var the user set. */
export interface Setting {
  readonly value: string;
  readonly from: string;
}

/**
 * A value that is itself an option: `--product-code --public-key-file k.pem` hands the
 * product code the next flag's name, and the flag's own value goes nowhere.
 */
export function looksLikeFlag(value: string): boolean {
  return /^--[a-zA-Z]/.test(value) || value === '-h' || value === '-V';
}

/**
 * Whose names the values in `flags` go by: the CLI's flags, or the library's options (the
 * option table's key, or its libraryName), so that the library's messages say
 * `invalid deadline` where the CLI's say `invalid --deadline`.
 */
export type OptionNames = 'flags' | 'library';

/** What messages call an option given as a flag or library option. */
export function optionName(spec: OptionSpec, names: OptionNames = 'flags'): string {
  return names === 'library' ? (spec.libraryName ?? spec.key) : spec.flag;
}

/** Flag wins, then each env var in order. Empty env values count as unset, as shells often export them empty. */
export function readSetting(flags: RawFlags, env: Env, spec: OptionSpec, names: OptionNames = 'flags'): Setting | undefined {
  const flagValue = flags[spec.key];
  // Only a command line can swallow the next flag; a library option may hold any text.
  if (typeof flagValue === 'string' && names === 'flags' && looksLikeFlag(flagValue)) {
    throw new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: spec.flag, shownValue: JSON.stringify(flagValue), allowed: `that is an option, not a value; ${spec.flag} needs ${spec.arg ? `its ${spec.arg}` : 'a value'} right after it` }, {
      hint: `give ${spec.flag} its value (${spec.flag} ${spec.arg ?? 'VALUE'}); as written, ${flagValue} was taken as the value and its own value was left over.`,
    });
  }
  if (typeof flagValue === 'string') return { value: flagValue, from: optionName(spec, names) };
  if (flagValue === true) return { value: 'true', from: optionName(spec, names) };
  for (const name of spec.env ?? []) {
    const envValue = env[name];
    if (envValue !== undefined && envValue !== '') return { value: envValue, from: name };
  }
  return undefined;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function readBoolean(flags: RawFlags, env: Env, spec: OptionSpec, names: OptionNames = 'flags'): boolean {
  const setting = readSetting(flags, env, spec, names);
  if (!setting) return false;
  const text = setting.value.trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw invalidSetting(setting, 'must be true or false');
}

/** Long values (keys, lists) are cut so the error stays one readable line. */
function shown(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return JSON.stringify(oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine);
}

export function invalidSetting(setting: Setting, allowed: string, shownValue?: string): GateError {
  return new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: setting.from, shownValue: shownValue ?? shown(setting.value), allowed });
}

export function missingSetting(spec: OptionSpec, allowed: string, names: OptionNames = 'flags'): GateError {
  return new GateError('CONFIG_INVALID', { reason: 'setting-missing', setting: optionName(spec, names), alternatives: spec.env ?? [], allowed });
}

/** A duration option, flag then env, else its default (none: 0), within the table's range for it. */
export function readDuration(flags: RawFlags, env: Env, spec: OptionSpec, names: OptionNames = 'flags'): number {
  const setting = readSetting(flags, env, spec, names) ?? { value: spec.default ?? '0', from: optionName(spec, names) };
  return readDurationValue(setting.value, { name: setting.from, range: durationRange(spec) });
}
