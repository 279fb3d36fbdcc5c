import { accessSync, constants, existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../result/atomic-write.js';
import { fail, pass, type CheckRow } from './report.js';

const FIX = 'mount a writable volume there (an emptyDir on Kubernetes, a task volume on ECS) shared with the main container, or set --output-dir; a non-root gate needs the directory owned by its user.';

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Writes and removes a probe file the way the result is written (temporary file, fsync,
 * rename), so a read-only or full volume shows here. A missing directory is not created:
 * doctor leaves no trace; it only checks that register could create it.
 */
export function checkOutputDir(outputDir: string): CheckRow {
  if (!existsSync(outputDir)) {
    const parent = nearestExisting(outputDir);
    if (!statSync(parent).isDirectory()) return fail('output-dir', 'OUTPUT_UNWRITABLE', `${outputDir} cannot be created: ${parent} is not a directory`, FIX);
    try {
      accessSync(parent, constants.W_OK | constants.X_OK);
      return pass('output-dir', `${outputDir} does not exist yet; register can create it in ${parent}`);
    } catch (error) {
      return fail('output-dir', 'OUTPUT_UNWRITABLE', `${outputDir} does not exist and ${parent} is not writable (${(error as NodeJS.ErrnoException).code ?? 'denied'})`, FIX);
    }
  }
  if (!statSync(outputDir).isDirectory()) return fail('output-dir', 'OUTPUT_UNWRITABLE', `${outputDir} is not a directory`, FIX);
  const probe = join(outputDir, `.metering-gate-doctor-${process.pid}`);
  try {
    writeFileAtomic(probe, 'doctor\n');
    unlinkSync(probe);
    return pass('output-dir', `${outputDir} is writable`);
  } catch (error) {
    return fail('output-dir', 'OUTPUT_UNWRITABLE', `${outputDir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, FIX);
  }
}
