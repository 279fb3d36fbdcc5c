import { accessSync, constants, writeFileSync } from 'node:fs';

/** Kubernetes reads at most 4096 bytes of a termination message. */
export const TERMINATION_LOG_LIMIT = 4096;

export function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  // Cut on a character boundary: decoding a clipped multi-byte sequence would add a replacement char.
  let end = limit - 3;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}...`;
}

/**
 * The default path is used only when it already exists and is writable (Kubernetes
 * creates it); elsewhere nothing is created under /dev. An explicit path is always written.
 * Returns an error message instead of throwing: a missing termination message must not
 * change the outcome of the gate.
 */
export function writeTerminationLog(target: { path: string; explicit: boolean }, message: string): string | null {
  if (!target.explicit) {
    try {
      accessSync(target.path, constants.W_OK);
    } catch {
      return null;
    }
  }
  try {
    writeFileSync(target.path, truncateUtf8(message, TERMINATION_LOG_LIMIT));
    return null;
  } catch (error) {
    return `could not write the termination log ${target.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
