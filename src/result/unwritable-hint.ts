import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The fix for a result that could not be written, from what the directory actually is: an
 * operator facing exit 10 under an arbitrary UID (OpenShift restricted-v2, a custom runAsUser)
 * needs the owner, the mode and the user the gate ran as, not a generic "mount a volume".
 */
export function unwritableHint(outputDir: string, errno: string | undefined): string | undefined {
  if (errno === 'EROFS') return `${outputDir} is on a read-only filesystem: mount a writable volume there (an emptyDir or a task volume shared with the workload), or set --output-dir to one.`;
  if (errno !== 'EACCES' && errno !== 'EPERM') return undefined;
  // The directory itself, or the nearest ancestor that exists when it could not be created.
  let dir = outputDir;
  for (;;) {
    try {
      const stat = statSync(dir);
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
      const user = `${process.getuid?.() ?? '?'}:${process.getgid?.() ?? '?'}`;
      const where = dir === outputDir ? dir : `${dir} (where ${outputDir} would be created)`;
      return `${where} is owned by ${stat.uid}:${stat.gid} with mode ${mode}, and the gate runs as ${user}, which may not write there. `
        + `Make the directory group 0 and group-writable (chgrp 0 ${dir} && chmod g+rwx ${dir}, as the image's own ${outputDir} is, `
        + 'for OpenShift\'s arbitrary UIDs in group 0), run the gate as the owner, or mount a volume it may write: '
        + 'an emptyDir, with the pod\'s fsGroup set to the gate\'s group.';
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}
