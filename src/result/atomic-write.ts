import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A write that stored fewer bytes than asked and then no more: the volume is full or the file size limit is reached. */
export class ShortWriteError extends Error {
  readonly code = 'ESHORTWRITE';
  constructor(written: number, total: number) {
    super(`only ${written} of ${total} bytes could be written`);
    this.name = 'ShortWriteError';
  }
}

/**
 * Temporary file in the same directory, every byte written, fsync, rename: a reader sees the
 * old file or the new one, never a partial one, and a crash leaves at most a dot-file behind.
 * The directory must exist (see output-dir.ts, which creates it).
 */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const dir = dirname(path);
  const temporary = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const bytes = Buffer.from(content, 'utf8');
  const fd = openSync(temporary, 'wx', mode);
  try {
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // The rename may already have consumed it; nothing else to clean.
    }
    throw error;
  }
  syncDirectory(dir);
}

/**
 * write(2) may store fewer bytes than asked (a nearly full tmpfs, a file size limit) and say
 * so only in its count; the rest is written until all of it is, and a write that stores
 * nothing is an error, never a truncated file renamed into place.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    const count = writeSync(fd, bytes, written, bytes.length - written);
    if (count <= 0) throw new ShortWriteError(written, bytes.length);
    written += count;
  }
}

/** Makes the rename itself durable; some filesystems refuse fsync on a directory, which is harmless here. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}
