import { mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Filesystem magic numbers (statfs f_type) of kernel interfaces that are never a result volume. */
const KERNEL_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2'],
  [0x73636673, 'securityfs'],
]);

/** Deeper than any real output path; a bound so that no path can make the walk loop. */
const MAX_DEPTH = 64;

export class OutputDirError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'OutputDirError';
    this.code = code;
  }
}

/**
 * Creates the output directory one level at a time from its nearest existing ancestor.
 * Node's recursive mkdir retries a parent it cannot create, and on procfs (/proc/sys/x) that
 * spins at full CPU with the event loop blocked, deaf even to SIGTERM. Paths on procfs,
 * sysfs and the like are refused before anything is created there.
 */
export function ensureOutputDir(outputDir: string): void {
  const target = resolve(outputDir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) throw new OutputDirError('ENOTDIR', `${existing} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof OutputDirError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(existing);
      if (parent === existing || missing.length >= MAX_DEPTH) throw error;
      missing.unshift(existing);
      existing = parent;
    }
  }
  const kind = kernelFilesystem(existing);
  if (kind) throw new OutputDirError('EKERNELFS', `${target} is on ${kind}, a kernel interface, not a volume`);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function kernelFilesystem(path: string): string | null {
  try {
    return KERNEL_FILESYSTEMS.get(statfsSync(path).type) ?? null;
  } catch {
    return null;
  }
}
