declare const __GATE_VERSION__: string | undefined;
declare const __GATE_COMMIT__: string | undefined;

/** Stamped in by the bundler from package.json, so the bundle needs no package.json at run time. */
export const GATE_VERSION: string = typeof __GATE_VERSION__ === 'string' ? __GATE_VERSION__ : '0.0.0-dev';

/** The commit the bundle was built from (scripts/build.mjs), "unknown" when built outside git. */
export const GATE_COMMIT: string = typeof __GATE_COMMIT__ === 'string' ? __GATE_COMMIT__ : 'unknown';

/**
 * What `metering-gate --version` prints. Node's version is read when asked, not at build time:
 * the bundle runs on whatever node starts it, and a startup snapshot or a single executable
 * carries the node it was built with.
 */
export function versionText(): string {
  return `metering-gate ${GATE_VERSION} (commit ${GATE_COMMIT}, node ${process.version})`;
}
