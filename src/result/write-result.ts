import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { ENV_FILE, RESULT_FILE, type EntitlementResult } from './entitlement.js';
import { formatEnvFile, resultVariables } from './env-file.js';
import { ensureOutputDir } from './output-dir.js';
import { unwritableHint } from './unwritable-hint.js';

export function resultPaths(outputDir: string): { json: string; env: string } {
  return { json: join(outputDir, RESULT_FILE), env: join(outputDir, ENV_FILE) };
}

/** Errors that mean "the volume has no room", as opposed to "the volume is not writable". */
const NO_ROOM = new Set(['ENOSPC', 'EFBIG', 'EDQUOT', 'ESHORTWRITE']);

function unwritable(outputDir: string, error: unknown): GateError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (code === 'EKERNELFS') {
    return new GateError('OUTPUT_UNWRITABLE', `could not write the result: ${(error as Error).message}`, {
      cause: error,
      hint: 'set --output-dir to a directory on a real volume (an emptyDir or task volume shared with the workload), not under /proc or /sys.',
    });
  }
  if (NO_ROOM.has(code)) {
    return new GateError('OUTPUT_UNWRITABLE', `could not write the result to ${outputDir} (${code}): the volume is full or too small for it`, {
      cause: error,
      hint: `free space on the volume mounted at ${outputDir}, or give it more (a larger emptyDir sizeLimit or task volume); check any file size limit (ulimit -f) on the gate.`,
    });
  }
  const hint = unwritableHint(outputDir, code);
  return new GateError('OUTPUT_UNWRITABLE', `could not write the result to ${outputDir} (${code}); mount a writable volume there or set --output-dir`, { cause: error, ...(hint ? { hint } : {}) });
}

/**
 * Removes the previous run's result before this run does anything that can take time or
 * fail, so that a run that is killed, or cannot write its own result, never leaves an old
 * ENTITLED file behind for the workload (or `verify --wait`) to trust. The JSON goes first:
 * readers wait for it. A directory that cannot be cleared is reported when the result is written.
 */
export function clearPreviousResult(outputDir: string): void {
  const paths = resultPaths(outputDir);
  for (const path of [paths.json, paths.env]) {
    try {
      unlinkSync(path);
    } catch {
      // absent (the usual case), or not removable: writeResultFiles reports the volume
    }
  }
}

/**
 * entitlement.env is written first and entitlement.json last: readers wait for the JSON,
 * so when it appears both files describe the same run.
 */
export function writeResultFiles(outputDir: string, result: EntitlementResult): void {
  const paths = resultPaths(outputDir);
  try {
    ensureOutputDir(outputDir);
    writeFileAtomic(paths.env, formatEnvFile(resultVariables(result, paths.json)));
    writeFileAtomic(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    // Whole or absent: a half-written pair must not describe two runs.
    clearPreviousResult(outputDir);
    throw unwritable(outputDir, error);
  }
}
