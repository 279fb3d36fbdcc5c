import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** The native addon's one function (native/reaper/reaper.c). */
export interface ReaperAddon {
  /** Collects every exited child except keepPid (the workload, which libuv collects) and returns their pids. */
  reapOrphans(keepPid: number): number[];
}

export type LoadedReaper =
  | { readonly kind: 'loaded'; readonly addon: ReaperAddon; readonly path: string }
  | { readonly kind: 'missing'; readonly searched: readonly string[]; readonly failure?: string };

/** Where the image keeps the addon for its node + blob entrypoint, whose node is elsewhere. */
export const IMAGE_REAPER_PATH = '/usr/local/lib/metering-gate/reaper.node';

/**
 * Where the addon may be, in order:
 * - beside a checkout's or the npm package's dist/ (the bundle or the single executable there);
 * - lib/metering-gate/reaper.node next to the bin/ that holds the executable, which is where a
 *   seller's image gets it with the binary (README, "Single-image products");
 * - the image's own path.
 */
export function reaperCandidates(execPath: string, scriptPath: string | undefined, arch: string): string[] {
  const prebuilt = (file: string) => join(dirname(file), '..', 'native', 'reaper', 'prebuilt', `reaper-linux-${arch}.node`);
  const candidates = [prebuilt(execPath)];
  const script = runningScript(scriptPath);
  if (script) candidates.push(prebuilt(script));
  candidates.push(join(dirname(execPath), '..', 'lib', 'metering-gate', 'reaper.node'), IMAGE_REAPER_PATH);
  return [...new Set(candidates)];
}

/**
 * The bundle's own file when node runs it as a script (argv[1], through npm's bin link, which
 * points into the package); nothing under a snapshot or the single executable.
 */
function runningScript(scriptPath: string | undefined): string | undefined {
  if (!scriptPath || !isAbsolute(scriptPath)) return undefined;
  try {
    const real = realpathSync(scriptPath);
    return /\.[cm]?js$/.test(real) ? real : undefined;
  } catch {
    return undefined;
  }
}

export function loadReaper(candidates: readonly string[]): LoadedReaper {
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const module = { exports: {} as Partial<ReaperAddon> };
    try {
      process.dlopen(module, path);
    } catch (error) {
      // Another architecture's or a damaged file: say which, and fall back to the warning.
      return { kind: 'missing', searched: candidates, failure: `${path}: ${(error as Error).message.split('\n')[0]}` };
    }
    if (typeof module.exports.reapOrphans === 'function') return { kind: 'loaded', addon: module.exports as ReaperAddon, path };
    return { kind: 'missing', searched: candidates, failure: `${path}: not the metering-gate reaper (no reapOrphans)` };
  }
  return { kind: 'missing', searched: candidates };
}

/**
 * Reaps on every SIGCHLD while the workload runs. Orphans re-parented to PID 1 signal their
 * exit with SIGCHLD like any child; signals coalesce, so each pass collects all that have
 * exited. Returns the stop function, which makes a last pass.
 */
export function startReaping(addon: ReaperAddon, workloadPid: number, onReaped: (pids: number[]) => void): () => void {
  const pass = () => {
    const pids = addon.reapOrphans(workloadPid);
    if (pids.length > 0) onReaped(pids);
  };
  process.on('SIGCHLD', pass);
  pass();
  return () => {
    process.off('SIGCHLD', pass);
    pass();
  };
}
