import { join } from 'node:path';
import { GateError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { ENV_FILE, RESULT_FILE, type EntitlementResult } from './entitlement.js';
import { formatEnvFile, resultVariables } from './env-file.js';

export function resultPaths(outputDir: string): { json: string; env: string } {
  return { json: join(outputDir, RESULT_FILE), env: join(outputDir, ENV_FILE) };
}

/**
 * entitlement.env is written first and entitlement.json last: readers wait for the JSON,
 * so when it appears both files describe the same run.
 */
export function writeResultFiles(outputDir: string, result: EntitlementResult): void {
  const paths = resultPaths(outputDir);
  try {
    writeFileAtomic(paths.env, formatEnvFile(resultVariables(result, paths.json)));
    writeFileAtomic(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new GateError('OUTPUT_UNWRITABLE', `could not write the result to ${outputDir} (${reason}); mount a writable volume there or set --output-dir`, { cause: error });
  }
}
