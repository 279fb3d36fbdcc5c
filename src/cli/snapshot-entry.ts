/**
 * Entry of dist/metering-gate.snapshot.cjs, from which an image build makes a V8 startup
 * snapshot with the image's own node:
 *
 *   node --no-maglev --no-sparkplug --snapshot-blob metering-gate.blob --build-snapshot metering-gate.snapshot.cjs
 *   node --no-maglev --no-sparkplug --snapshot-blob metering-gate.blob -- register ...   (every start after that)
 *
 * with the same V8 flags both times (scripts/lib/snapshot.mjs says why).
 *
 * At build time it loads the modules that register and verify run (commander, config, the SDK
 * client, the credential providers a pod or task reaches, jose) and rehearses the pure parts
 * of a run (argv parsing, config parsing, one RegisterUsage through the SDK against a canned
 * answer, one PS256 verification), so that a start from the snapshot neither compiles nor
 * initialises them again. Started from the snapshot, it runs exactly what dist/metering-gate.mjs
 * runs (cli/run.ts). Run directly (`node metering-gate.snapshot.cjs register`), it is the plain CLI.
 *
 * Whatever the build leaves in the heap is what every start begins with, so the build refuses
 * to produce a snapshot that could hold something of the build machine or of one moment
 * (see guardBuild): no environment variable, argv, cwd, home directory, file or clock is read
 * by our code while loading, and no random UUID is drawn at all.
 */
// The modules' own export objects (default imports), which are what the bundle's code reads a
// built-in's functions from on every call, so that a wrapper put there is seen everywhere.
import nodeCrypto from 'node:crypto';
import nodeFs from 'node:fs';
// Loaded here for the snapshot only: http, which cannot be in a snapshot, requires it on the
// first request, and its loading is then already done (~1.5 ms of every start, BENCHMARKS.md).
import 'node:net';
import nodeOs from 'node:os';
import { startupSnapshot } from 'node:v8';
import { argvFromSnapshotStart } from './sea-argv.js';

/** commander reads argv in Node's shape: node, script, then the arguments. */
const SCRIPT_NAME = 'metering-gate';

type Phase = 'load' | 'rehearse' | 'done';

/**
 * Environment variables the rehearsed SDK call may read, each audited to be read again on every
 * call and kept nowhere: AWS_EXECUTION_ENV (the user agent's exec-env, @aws-sdk/core
 * defaultUserAgent.js); AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED (read at client
 * construction; it changes module state only when set to "true" or on Node < 22, and the
 * rehearsal sees it unset).
 */
const REREAD_ON_EVERY_CALL = new Set(['AWS_EXECUTION_ENV', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']);

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
function guardBuild(bundleFile: string): { readonly violations: string[]; setPhase(phase: Phase): void; restore(): void } {
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

/**
 * One pass through the parts of a run that touch neither the network nor this machine, with
 * made-up values only, so their code is compiled into the snapshot. Nothing it creates is kept.
 */
async function rehearse(): Promise<void> {
  const [{ buildProgram }, { parseLogConfig }, { parseRegisterConfig }, { rehearseRegisterUsage }, { verifyToken }] = await Promise.all([
    import('./program.js'),
    import('../config/log-config.js'),
    import('../config/register-config.js'),
    import('../metering/register-usage.js'),
    import('../verify/token.js'),
  ]);
  buildProgram(() => undefined).parse(['node', SCRIPT_NAME, 'register', '--product-code', 'snapshotbuild', '--log-level', 'info']);

  const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const env = {
    METERING_GATE_PRODUCT_CODE: 'snapshotbuild',
    METERING_GATE_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    METERING_GATE_NONCE: 'snapshot-build',
    METERING_GATE_OUTPUT_DIR: '/nonexistent/metering-gate',
    METERING_GATE_TERMINATION_LOG: '/nonexistent/termination-log',
    // Given, so that config does not ask the OS for the build user's home directory.
    HOME: '/nonexistent/home',
  };
  parseLogConfig({}, env, false);
  const config = parseRegisterConfig({}, env);
  await rehearseRegisterUsage();

  // A token as the emulator mints it. Its iat is fixed (Date.now is guarded), and the age
  // limits are wide enough for it: this checks the code path, not the clock.
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${segment({ alg: 'PS256', typ: 'JWT' })}.${segment({ productCode: 'snapshotbuild', publicKeyVersion: 1, nonce: 'snapshot-build', iat: 1_700_000_000 })}`;
  const signature = nodeCrypto.sign('sha256', Buffer.from(signed), { key: privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const now = 1_700_000_000_000;
  await verifyToken(`${signed}.${signature.toString('base64url')}`, config.publicKey?.key ?? null, {
    productCode: 'snapshotbuild',
    publicKeyVersion: 1,
    nonce: 'snapshot-build',
    maxAgeMs: 60_000,
    clockSkewMs: 60_000,
    now,
  });
}

async function buildSnapshot(): Promise<void> {
  const guard = guardBuild(__filename);
  // Everything register and verify load, including the node credential chain and every
  // provider it calls in a pod or task (env, ini and process, which find no profile, web
  // identity, container, IMDS). The rest of the CLI (doctor, emulator, exec) and IRSA's STS
  // client still load on first use.
  const [{ run }] = await Promise.all([
    import('./run.js'),
    import('./register.js'),
    import('./verify.js'),
    import('@aws-sdk/credential-provider-node'),
    import('@aws-sdk/credential-provider-ini'),
    import('@aws-sdk/credential-provider-process'),
    import('@aws-sdk/credential-provider-env'),
    import('@aws-sdk/credential-provider-web-identity'),
    import('@aws-sdk/credential-provider-http'),
    import('@smithy/credential-provider-imds'),
  ]);
  guard.setPhase('rehearse');
  await rehearse();
  guard.restore();
  if (guard.violations.length > 0) {
    throw new Error(`the snapshot would keep build-time state:\n  ${[...new Set(guard.violations)].join('\n  ')}`);
  }
  startupSnapshot.setDeserializeMainFunction(() => run(argvFromSnapshotStart(process.argv, SCRIPT_NAME)));
}

if (startupSnapshot.isBuildingSnapshot()) {
  buildSnapshot().catch((error: unknown) => {
    process.stderr.write(`metering-gate: cannot build the startup snapshot: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  void import('./run.js').then(({ run }) => run(process.argv));
}
