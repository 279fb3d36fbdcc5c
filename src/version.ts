declare const __GATE_VERSION__: string | undefined;

/** Stamped in by the bundler from package.json, so the bundle needs no package.json at run time. */
export const GATE_VERSION: string = typeof __GATE_VERSION__ === 'string' ? __GATE_VERSION__ : '0.0.0-dev';
