import type { DoctorConfig } from '../config/doctor-config.js';
import { formatDuration } from '../config/duration.js';
import type { OptionSpec } from '../config/options.js';
import { fail, pass, type CheckRow } from './report.js';

/** An option's value as the row shows it: durations in their units, unset values as the table's default text. */
function shown(spec: OptionSpec, value: unknown): string {
  if (spec.arg === 'DURATION' && typeof value === 'number') return formatDuration(value);
  if (value !== null && typeof value === 'object' && 'explicit' in value && 'path' in value) return value.explicit ? String(value.path) : (spec.defaultText ?? String(value.path));
  if (value === null || value === undefined) return spec.defaultText ?? spec.default ?? 'unset';
  return String(value);
}

/**
 * Everything else register validates before it starts: the options register's table marks
 * for this row (durations, nonce, on-unavailable, output dir, termination log), and logging.
 */
export function checkOptions(config: DoctorConfig): CheckRow {
  if (!config.runOptions.ok) return fail('options', config.runOptions.error.code, config.runOptions.error.message, 'fix each value named: register exits 2 on any of them before it starts.');
  const text = config.runOptions.value.shown.map(({ spec, value }) => `${spec.flag.slice(2).replaceAll('-', ' ')} ${shown(spec, value)}`).join(', ');
  return pass('options', text);
}
