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
 * of a run (argv parsing, config parsing, one RegisterUsage and one STS AssumeRoleWithWebIdentity
 * through the SDK against canned answers, one PS256 verification), so that a start from the
 * snapshot neither compiles nor initialises them again. Started from the snapshot, it runs
 * exactly what dist/metering-gate.mjs runs (cli/run.ts). Run directly (`node metering-gate.snapshot.cjs register`), it is the plain CLI.
 *
 * Whatever the build leaves in the heap is what every start begins with, so the build refuses
 * to produce a snapshot that could hold something of the build machine or of one moment
 * (see guard.ts): no environment variable, argv, cwd, home directory, file or clock is read
 * by our code while loading, and no random UUID is drawn at all.
 */
// Loaded here for the snapshot only: http, which cannot be in a snapshot, requires it on the
// first request, and its loading is then already done (~1.5 ms of every start, BENCHMARKS.md).
import 'node:net';
import { startupSnapshot } from 'node:v8';
import { argvFromSnapshotStart } from './argv.js';
import { guardBuild } from './guard.js';
import { rehearse, SCRIPT_NAME } from './rehearsal.js';

async function buildSnapshot(): Promise<void> {
  const guard = guardBuild(__filename);
  // Everything register and verify load, including every SDK credential provider the chain
  // (credentials/provider.ts) calls in a pod or task (ini and process, which find no profile,
  // web identity and the STS client it imports on its first call, container, IMDS; env keys for
  // ini's credential_source). The rest of the CLI (doctor, emulator, exec) still loads on first use.
  const [{ run }] = await Promise.all([
    import('../cli/run.js'),
    import('../cli/register.js'),
    import('../cli/verify.js'),
    import('@aws-sdk/credential-provider-ini'),
    import('@aws-sdk/credential-provider-process'),
    import('@aws-sdk/credential-provider-env'),
    import('@aws-sdk/credential-provider-web-identity'),
    import('@aws-sdk/nested-clients/sts'),
    import('@aws-sdk/credential-provider-http'),
    import('@smithy/credential-provider-imds'),
  ]);
  // Node makes ReadableStream on first use, and the SDK's stream check (isReadableStream, run on
  // every response body it collects, the container credentials' among them) is that first use;
  // made here it is in the snapshot (web streams, unlike http, can be) instead of compiled in the start.
  void globalThis.ReadableStream;
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
  void import('../cli/run.js').then(({ run }) => run(process.argv));
}
