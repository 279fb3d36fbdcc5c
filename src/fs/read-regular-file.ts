import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type RegularFileRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | {
      readonly ok: false;
      /** missing: no such path; unreadable: open failed otherwise; not-regular: a FIFO, socket, device or directory; too-large: over the cap. */
      readonly reason: 'missing' | 'unreadable' | 'not-regular' | 'too-large';
      /** Words for a message: the errno code, the kind of file or its size. */
      readonly detail: string;
    };

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Reads a file only when it is a regular file of at most `maxBytes`. Opened non-blocking, so
 * that a FIFO cannot hold a thread-pool read (and with it the process's exit) forever, and
 * checked with fstat on the descriptor that is then read, so the check and the read see the
 * same file, whatever a symlink points at (/dev/zero, a 400 MB file).
 */
export function readRegularFile(path: string, maxBytes: number): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, reason: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable', detail: code };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: 'not-regular', detail: kindOf(stat) };
    if (stat.size > maxBytes) return { ok: false, reason: 'too-large', detail: `${stat.size} bytes` };
    // One byte more than the cap: a file that grows while it is read is caught too.
    const bytes = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (read === 0) break;
      filled += read;
      if (filled > maxBytes) return { ok: false, reason: 'too-large', detail: `more than ${maxBytes} bytes` };
    }
    return { ok: true, bytes: bytes.subarray(0, filled) };
  } catch (error) {
    return { ok: false, reason: 'unreadable', detail: (error as NodeJS.ErrnoException).code ?? 'unreadable' };
  } finally {
    closeSync(fd);
  }
}
