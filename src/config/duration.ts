import { GateError } from '../errors.js';

/** The smallest and largest value an option takes, in ms; both inclusive. */
export interface DurationRange {
  readonly minMs: number;
  readonly maxMs: number;
}

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

// Largest unit first, each at most once: `1h30m`, `90s`, `1500ms`. `m(?!s)` keeps `5ms` a millisecond.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

export type DurationParse = { ok: true; ms: number } | { ok: false; problem: 'no-unit' | 'malformed' | 'too-large' };

/**
 * Reads `500ms`, `10s`, `5m`, `1h`, `2d` and combinations such as `1m30s`. A bare number is
 * refused (except 0): `--wait 30` meaning 30 ms, when the writer meant seconds, is the
 * mistake this rules out.
 */
export function parseDuration(text: string): DurationParse {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) === 0 ? { ok: true, ms: 0 } : { ok: false, problem: 'no-unit' };
  const match = trimmed === '' ? null : DURATION.exec(trimmed);
  if (!match) return { ok: false, problem: 'malformed' };
  let ms = 0;
  UNITS.forEach(([, size], index) => {
    const amount = match[index + 1];
    if (amount !== undefined) ms += Number(amount) * size;
  });
  return Number.isSafeInteger(ms) ? { ok: true, ms } : { ok: false, problem: 'too-large' };
}

/** Exact, in the same notation the parser reads: 1500 is `1s500ms`, never a rounded `2s` (or `0s` for 1ms). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = Math.abs(Math.trunc(ms));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return `${ms < 0 ? '-' : ''}${parts.join('')}`;
}

export function formatRange(range: DurationRange): string {
  return `from ${formatDuration(range.minMs)} to ${formatDuration(range.maxMs)}`;
}

const EXAMPLES = 'such as 500ms, 10s, 5m, 1h or 1m30s';

function shown(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return text;
}

export interface DurationInput {
  /** What to call the value in messages: the flag or env var for the CLI, the option name for the library. */
  readonly name: string;
  readonly range: DurationRange;
}

/**
 * The one duration reader of the CLI and the library. Text needs a unit; a number (the
 * library's) is milliseconds, as with setTimeout. Anything outside the range is refused with
 * the range in the message: a timer beyond Node's limit (about 24.8 days) would silently fire
 * after 1 ms, and no deployment means an attempt timeout of 597 hours.
 */
export function readDurationValue(value: string | number, input: DurationInput): number {
  const { name, range } = input;
  const fail = (allowed: string, hint: string) => new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: name, shownValue: shown(value), allowed }, { hint });
  const rangeHint = `give ${name} a value ${formatRange(range)}.`;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) throw fail(`must be a whole number of milliseconds ${formatRange(range)}`, rangeHint);
    ms = value;
  } else {
    const parsed = parseDuration(value);
    if (!parsed.ok && parsed.problem === 'no-unit') {
      const amount = value.trim();
      throw fail(`a duration needs a unit (${amount}ms, ${amount}s, ${amount}m or ${amount}h), ${formatRange(range)}`, `write the unit: ${amount}s for seconds; a bare number is refused so that ${amount} cannot silently mean ${amount} milliseconds.`);
    }
    if (!parsed.ok && parsed.problem === 'malformed') throw fail(`must be a duration ${EXAMPLES} (units d, h, m, s, ms), ${formatRange(range)}`, rangeHint);
    ms = parsed.ok ? parsed.ms : Number.POSITIVE_INFINITY;
  }
  if (ms < range.minMs || ms > range.maxMs) throw fail(`must be ${formatRange(range)}`, rangeHint);
  return ms;
}
