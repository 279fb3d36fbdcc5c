/**
 * AWS's documents disagree on claim casing (ProductCode vs productCode), so claims are
 * looked up without regard to case. A token that carries the same claim in two casings
 * with different values is ambiguous and refused rather than guessed at.
 */
export function claimLookup(payload: Record<string, unknown>): (name: string) => { present: boolean; value: unknown; conflict: boolean } {
  const byName = new Map<string, unknown[]>();
  for (const [key, value] of Object.entries(payload)) {
    const lower = key.toLowerCase();
    byName.set(lower, [...(byName.get(lower) ?? []), value]);
  }
  return (name) => {
    const values = byName.get(name.toLowerCase()) ?? [];
    const conflict = values.some((value) => JSON.stringify(value) !== JSON.stringify(values[0]));
    return { present: values.length > 0, value: values[0], conflict };
  };
}

/** The version may arrive as a number or a numeric string. */
export function versionMatches(value: unknown, expected: number): boolean {
  if (typeof value === 'number') return value === expected;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim()) === expected;
  return false;
}
