import type { DoctorConfig } from '../config/doctor-config.js';
import { formatDuration } from '../config/duration.js';
import { fail, pass, type CheckRow } from './report.js';

/** Everything else register validates before it starts: durations, nonce, on-unavailable, logging. */
export function checkOptions(config: DoctorConfig): CheckRow {
  if (!config.runOptions.ok) return fail('options', config.runOptions.error.code, config.runOptions.error.message, 'fix each value named: register exits 2 on any of them before it starts.');
  const options = config.runOptions.value;
  const text = [
    `deadline ${formatDuration(options.deadlineMs)}`,
    `attempt timeout ${formatDuration(options.attemptTimeoutMs)}`,
    `on-unavailable ${options.onUnavailable}`,
    `max token age ${formatDuration(options.maxTokenAgeMs)}`,
    `clock skew ${formatDuration(options.clockSkewMs)}`,
  ].join(', ');
  return pass('options', text);
}
