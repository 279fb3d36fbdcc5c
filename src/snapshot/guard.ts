/**
 * The guard of the startup snapshot's build (entry.ts): while the snapshot is built, whatever
 * the build leaves in the heap is what every start begins with, so reads of this machine's
 * state (environment, argv, cwd, home directory, files, clock) by the bundle's own code, and
 * random UUIDs drawn then, are recorded as violations that fail the build.
 */
// The modules' own export objects (default imports), which are what the bundle's code reads a
// built-in's functions from on every call, so that a wrapper put there is seen everywhere.
import nodeCrypto from 'node:crypto';
import nodeFs from 'node:fs';
import nodeOs from 'node:os';

export interface BuildGuard {
  /** One line per read or draw that would keep build-time state. */
  readonly violations: string[];
  setPhase(phase: Phase): void;
  /** Undoes every wrapper; from here on nothing is recorded. */
  restore(): void;
}

/** What the build is doing: loading modules, rehearsing a run, or done (the guard then steps aside). */
export type Phase = 'load' | 'rehearse' | 'done';

/**
 * Environment variables the rehearsed SDK call may read, each audited to be read again on every
 * call and kept nowhere: AWS_EXECUTION_ENV (the user agent's exec-env, @aws-sdk/core
 * defaultUserAgent.js); AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED (read at client
 * construction; it changes module state only when set to "true" or on Node < 22, and the
 * rehearsal sees it unset); AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026 (read by the STS client's
 * runtimeConfig, @aws-sdk/core getDefaultSocketTimeout.js, at each construction, into that
 * client's config only, and the rehearsed STS client is not kept).
 */
const REREAD_ON_EVERY_CALL = new Set(['AWS_EXECUTION_ENV', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026']);

/**
 * Wraps what would carry the build's state into every start, for the length of the build:
 *
 * - `crypto.randomUUID` (node:crypto and WebCrypto): Node draws UUIDs from a cached batch of
 *   random bytes; a batch drawn at build time would sit in the snapshot, and every start would
 *   hand out the same "random" UUIDs, nonces among them. So none is drawn: while loading a call
 *   is an error, during the rehearsal (the SDK's invocation id) it gets a fixed stand-in. Node
 *   only fills that batch on first use, so every start from the snapshot draws its own.
 * - process.env, process.argv, process.cwd(), os.homedir(), file reads, Date.now(): read by our
 *   code while loading, they would be frozen into module state; during the rehearsal, the
 *   SDK's shared-config file cache and home-directory cache would keep the build machine's
 *   answers. Any such read from the bundle fails the build.
 * - process.stdout/stderr: their stream objects are made for the build's file descriptors.
 *
 * Math.random needs nothing: V8 reseeds it when it deserializes a snapshot.
 * Everything is restored when the build is done; the randomUUID wrappers stay correct even if
 * a module kept a reference to one (they call the real function once the build is over).
 */
export function guardBuild(bundleFile: string): BuildGuard {
  let phase: Phase = 'load';
  const violations: string[] = [];
  const restorers: Array<() => void> = [];
  /** The first frame of this bundle's code that led here (frames 0-3: Error, this, note, the wrapper), if any: Node's own reads do not count. */
  const bundleCaller = (): string | undefined =>
    new Error().stack
      ?.split('\n')
      .slice(4)
      .find((frame) => frame.includes(bundleFile))
      ?.trim();
  const note = (what: string, loadOnly = false) => {
    if (phase === 'done' || (loadOnly && phase !== 'load')) return;
    const caller = bundleCaller();
    if (caller) violations.push(`${what} while ${phase === 'load' ? 'loading modules' : 'rehearsing'}, ${caller}`);
  };

  const fakeUuid = '00000000-0000-4000-8000-000000000000';
  const wrapUuid = (holder: { randomUUID: typeof nodeCrypto.randomUUID }, own: boolean, name: string) => {
    const original = holder.randomUUID;
    const guarded = function randomUUID(this: unknown, ...args: Parameters<typeof nodeCrypto.randomUUID>) {
      if (phase === 'done') return original.apply(holder, args);
      if (phase === 'load') violations.push(`${name}() called while loading modules`);
      return fakeUuid;
    };
    Object.defineProperty(holder, 'randomUUID', { value: guarded, writable: true, configurable: true, enumerable: true });
    restorers.push(own ? () => Reflect.deleteProperty(holder, 'randomUUID') : () => Object.defineProperty(holder, 'randomUUID', { value: original, writable: true, configurable: true, enumerable: true }));
  };
  wrapUuid(nodeCrypto, false, 'crypto.randomUUID');
  // WebCrypto's randomUUID lives on Crypto.prototype; an own property shadows it for the build.
  wrapUuid(globalThis.crypto as unknown as { randomUUID: typeof nodeCrypto.randomUUID }, true, 'globalThis.crypto.randomUUID');

  const wrapFunction = <T extends object>(holder: T, key: keyof T & string, name: string, loadOnly = false) => {
    const original = holder[key] as unknown as (...args: unknown[]) => unknown;
    holder[key] = function (this: unknown, ...args: unknown[]) {
      note(`${name}(${typeof args[0] === 'string' ? JSON.stringify(args[0]) : ''})`, loadOnly);
      return original.apply(this, args);
    } as T[keyof T & string];
    restorers.push(() => {
      holder[key] = original as unknown as T[keyof T & string];
    });
  };
  for (const key of ['readFile', 'readFileSync', 'existsSync', 'statSync', 'accessSync', 'openSync'] as const) wrapFunction(nodeFs, key, `fs.${key}`);
  for (const key of ['readFile', 'stat', 'access', 'open'] as const) wrapFunction(nodeFs.promises, key, `fs.promises.${key}`);
  wrapFunction(nodeOs, 'homedir', 'os.homedir');
  wrapFunction(process, 'cwd', 'process.cwd');
  // The clock only while loading: a rehearsed request reads it (SigV4's date) and keeps nothing.
  wrapFunction(Date, 'now', 'Date.now', true);

  // While loading, no variable may be read. During the rehearsal the environment looks empty,
  // so nothing of the build machine's can shape what the SDK computes, and only variables that
  // the SDK reads afresh on every call, keeping nothing, may be read at all.
  const env = process.env;
  const envRead = (key: string | symbol) => {
    if (typeof key !== 'string' || (phase === 'rehearse' && REREAD_ON_EVERY_CALL.has(key))) return;
    note(`process.env.${key}`);
  };
  process.env = new Proxy(env, {
    get(target, key) {
      envRead(key);
      return phase === 'rehearse' ? undefined : Reflect.get(target, key);
    },
    has(target, key) {
      envRead(key);
      return phase === 'rehearse' ? false : Reflect.has(target, key);
    },
    ownKeys(target) {
      note('process.env (all keys)');
      return phase === 'rehearse' ? [] : Reflect.ownKeys(target);
    },
  });
  restorers.push(() => {
    process.env = env;
  });
  for (const key of ['argv', 'stdout', 'stderr', 'stdin'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, key);
    if (!descriptor) continue;
    Object.defineProperty(process, key, {
      configurable: true,
      enumerable: descriptor.enumerable ?? true,
      get() {
        note(`process.${key}`);
        return descriptor.get ? descriptor.get.call(process) : descriptor.value;
      },
    });
    restorers.push(() => Object.defineProperty(process, key, descriptor));
  }

  return {
    violations,
    setPhase: (next) => {
      phase = next;
    },
    restore: () => {
      phase = 'done';
      for (const undo of restorers.reverse()) undo();
    },
  };
}
