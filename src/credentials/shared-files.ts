import { constants, fstatSync, openSync, closeSync } from 'node:fs';
import { GateError } from '../errors.js';

/** Shared config files are a few kilobytes; this is far beyond any real one. */
export const MAX_SHARED_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The SDK reads the shared config and credentials files (AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/*) whole, in the thread pool, for credentials and for
 * client settings alike. A FIFO there blocks that read, and with it the process's exit, for
 * ever; a device or a huge file costs memory. So each one that exists must be a regular file
 * of sane size before the SDK is touched: otherwise the run stops here (exit 2), naming it.
 */
export function checkSharedFiles(sharedFiles: readonly string[]): void {
  // EnvironmentFacts lists them in this order: the config file, then the credentials file.
  const names = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
  for (const [index, path] of sharedFiles.entries()) {
    const name = names[index] ?? 'shared file';
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      continue; // absent or unreadable: the SDK skips it as well
    }
    try {
      const stat = fstatSync(fd);
      const problem = !stat.isFile() ? 'is not a regular file (a FIFO, socket, device or directory)' : stat.size > MAX_SHARED_FILE_BYTES ? `is ${stat.size} bytes, far more than any shared config file` : null;
      if (problem) {
        throw new GateError('CONFIG_INVALID', `the AWS shared config file ${JSON.stringify(path)} (${name}) ${problem}; the AWS SDK would block or run out of memory reading it`, {
          hint: `point ${name} at the real file, or unset it (in a pod or task the gate needs no shared config file).`,
        });
      }
    } finally {
      closeSync(fd);
    }
  }
}
