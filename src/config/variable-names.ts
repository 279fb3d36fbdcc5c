import { DOCTOR_ONLY_OPTIONS, LOG_OPTIONS, REGISTER_OPTIONS, VERIFY_OPTIONS } from './options.js';
import { RESULT_VARIABLE_NAMES } from '../result/env-file.js';
import type { Env } from './settings.js';

export const VARIABLE_PREFIX = 'METERING_GATE_';

/**
 * METERING_GATE_* names that are not options but are legitimately present: the pod UID the
 * chart gives both containers (for binding a result to its pod). Anything that sets another
 * METERING_GATE_* variable for the gate must add it here, or the gate warns about it.
 */
export const OTHER_GATE_VARIABLES: readonly string[] = ['METERING_GATE_POD_UID'];

/** Every METERING_GATE_* name the gate reads or writes: options' variables, the result's, and the others above. */
export function knownGateVariables(): ReadonlySet<string> {
  const fromOptions = [REGISTER_OPTIONS, VERIFY_OPTIONS, LOG_OPTIONS, DOCTOR_ONLY_OPTIONS].flatMap((table) => table.flatMap((spec) => spec.env ?? []));
  // entitlement.env's names: a workload that sourced it and then runs `verify` has them all set.
  return new Set([...fromOptions, ...RESULT_VARIABLE_NAMES, ...OTHER_GATE_VARIABLES].filter((name) => name.startsWith(VARIABLE_PREFIX)));
}

/** Optimal string alignment distance: edits, where swapping two neighbours counts as one. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** `max_age` within `max_token_age`: every word of the one, in order, among the other's. */
function wordsWithin(short: string, long: string): boolean {
  const words = short.split(/[-_]/).filter((word) => word !== '');
  if (words.length < 2) return false;
  let at = 0;
  const others = long.split(/[-_]/);
  for (const word of words) {
    at = others.indexOf(word, at);
    if (at === -1) return false;
    at += 1;
  }
  return true;
}

/**
 * The candidate a mistyped word most likely meant, or null: a few edits away (about a third
 * of its length), the same letters without separators (`PRODUCTCODE`), a cut-off prefix of
 * it (`ENDPOINT` for `ENDPOINT_URL`), or its words with one left out (`MAX_AGE`).
 */
export function nearest(word: string, candidates: Iterable<string>, prefix = ''): string | null {
  const bare = (text: string) => text.slice(prefix.length).toLowerCase();
  const squash = (text: string) => bare(text).replace(/[-_]/g, '');
  const target = bare(word);
  let best: { name: string; score: number } | null = null;
  for (const candidate of candidates) {
    const other = bare(candidate);
    let score = distance(target, other);
    if (squash(word) === squash(candidate)) score = 0.5;
    else if (target.length >= 4 && other.startsWith(target)) score = Math.min(score, 1.5);
    else if (wordsWithin(target, other)) score = Math.min(score, 1.8);
    else if (score > Math.max(2, Math.floor(target.length / 3))) continue;
    if (best === null || score < best.score) best = { name: candidate, score };
  }
  return best?.name ?? null;
}

/**
 * One warning per METERING_GATE_* variable the gate does not know, with the nearest known
 * name: a misspelt endpoint variable would otherwise be ignored in silence and the gate
 * would go to real AWS. Values are never shown: they may be secrets.
 */
export function unknownVariableWarnings(env: Env): string[] {
  const known = knownGateVariables();
  return Object.keys(env)
    .filter((name) => name.startsWith(VARIABLE_PREFIX) && !known.has(name))
    .sort()
    .map((name) => {
      const suggestion = nearest(name, known, VARIABLE_PREFIX);
      return `unknown environment variable ${name} is ignored${suggestion ? `; did you mean ${suggestion}?` : ''}`;
    });
}
