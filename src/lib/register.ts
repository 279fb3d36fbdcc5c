import { KeyObject } from 'node:crypto';
import type { LogLevel } from '../config/log-config.js';
import { parsePublicKey } from '../config/public-key.js';
import { GateError } from '../errors.js';
import { runRegistration } from '../gate/register.js';
import type { EntitlementResult } from '../result/entitlement.js';
import { MeteringGateError } from './errors.js';
import type { Duration } from './verify-entitlement.js';

/** register's options, as the CLI's flags (same names, same validation, same defaults). */
export interface RegisterOptions {
  readonly productCode: string;
  /** The product's public key: a PEM string, a path to a PEM file, or a KeyObject. */
  readonly publicKey?: string | KeyObject;
  readonly publicKeyVersion?: number;
  readonly skipSignatureVerification?: boolean;
  readonly trustedProductCodes?: readonly string[];
  readonly nonce?: string;
  /** Discouraged, as on the CLI: a region other than the task's gets InvalidRegionException. */
  readonly region?: string;
  readonly endpointUrl?: string;
  /** Where entitlement.json and entitlement.env are written; default /var/run/metering-gate. */
  readonly outputDir?: string;
  readonly deadline?: Duration;
  readonly attemptTimeout?: Duration;
  readonly onUnavailable?: 'deny' | 'allow';
  readonly maxTokenAge?: Duration;
  readonly clockSkew?: Duration;
  readonly terminationLog?: string;
  /** Logs go to stderr as JSON lines; default `silent` for a library. */
  readonly logLevel?: LogLevel;
  /**
   * The environment that register reads its METERING_GATE_* settings and the platform
   * facts (ECS metadata URI, AWS_REGION, IMDS settings, credential variables) from.
   * Default: `process.env`, as the CLI and the AWS SDK read it, so that on EKS the pod's
   * AWS_REGION and IRSA variables, and on ECS the task's metadata and credential endpoints,
   * are used. Options given here win over METERING_GATE_* variables, as flags do.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborting stops registration at once (TERMINATED, a result is still written). */
  readonly signal?: AbortSignal;
}

export interface RegisterSuccess {
  /** ENTITLED, or GRACE under onUnavailable: 'allow'. */
  readonly status: 'ENTITLED' | 'GRACE';
  readonly result: EntitlementResult;
}

/** A number is milliseconds, as verifyEntitlement reads it; the flags' text needs its unit. */
function durationFlag(value: Duration | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'number' ? `${value}ms` : value;
}

function toFlags(options: RegisterOptions): Record<string, unknown> {
  const flags: Record<string, unknown> = {
    productCode: options.productCode,
    publicKeyVersion: options.publicKeyVersion === undefined ? undefined : String(options.publicKeyVersion),
    skipSignatureVerification: options.skipSignatureVerification === true ? true : undefined,
    trustedProductCodes: options.trustedProductCodes?.join(','),
    nonce: options.nonce,
    region: options.region,
    endpointUrl: options.endpointUrl,
    outputDir: options.outputDir,
    deadline: durationFlag(options.deadline),
    attemptTimeout: durationFlag(options.attemptTimeout),
    onUnavailable: options.onUnavailable,
    maxTokenAge: durationFlag(options.maxTokenAge),
    clockSkew: durationFlag(options.clockSkew),
    terminationLog: options.terminationLog,
    logLevel: options.logLevel ?? 'silent',
    logFormat: 'json',
  };
  const key = options.publicKey;
  // A private or secret KeyObject is refused here, with the loader's message, before it could be exported.
  if (key instanceof KeyObject) flags['publicKey'] = parsePublicKey(key, { name: 'publicKey', shown: `(KeyObject, ${key.type})` }).key.export({ type: 'spki', format: 'pem' }).toString();
  else if (typeof key === 'string' && key.includes('-----BEGIN')) flags['publicKey'] = key;
  else if (typeof key === 'string') flags['publicKeyFile'] = key;
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}

/**
 * The register command as a function: same validation, retries, verification and result
 * files. Resolves only when the workload may start (ENTITLED, or GRACE when allowed);
 * otherwise rejects with a MeteringGateError carrying the CLI's code, exit code, hint and
 * the result that was written.
 */
export async function register(options: RegisterOptions): Promise<RegisterSuccess> {
  if (options === null || typeof options !== 'object') throw new MeteringGateError('CONFIG_INVALID', 'register needs an options object with productCode');
  const controller = new AbortController();
  const onAbort = () => controller.abort(new GateError('TERMINATED', { reason: 'aborted', by: 'registration' }));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Messages name this API's options (`invalid deadline "30"`), not the CLI's flags.
    const outcome = await runRegistration(toFlags(options), { env: options.env ?? process.env, stderrIsTty: false, signal: controller.signal, optionNames: 'library' });
    const { result } = outcome;
    if (outcome.exitCode === 0 && (result.status === 'ENTITLED' || result.status === 'GRACE')) return { status: result.status, result };
    throw new MeteringGateError(result.errorCode ?? 'INTERNAL', result.message ?? `registration ended with status ${result.status}`, {
      exitCode: outcome.exitCode,
      result,
      ...(result.hint ? { hint: result.hint } : {}),
    });
  } catch (error) {
    throw MeteringGateError.from(error);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
