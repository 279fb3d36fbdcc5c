import { KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { readDurationValue } from '../config/duration.js';
import { VERIFY_OPTIONS, durationRange, optionByKey } from '../config/options.js';
import { looksLikeKeyText, parsePublicKey, readKeyFile } from '../config/public-key.js';
import { resolveWorkloadIdentity } from '../binding/identity.js';
import { readEnvironmentFacts } from '../config/environment.js';
import { DEFAULT_OUTPUT_DIR } from '../config/register-config.js';
import { RESULT_FILE, type EntitlementResult } from '../result/entitlement.js';
import { claimLookup } from '../verify/claims.js';
import { verifyResultFile } from '../verify/result-file.js';
import { MeteringGateError } from './errors.js';

/** A duration in milliseconds, or text such as `500ms`, `10s`, `5m`, `1h`. */
export type Duration = number | string;

export interface VerifyEntitlementOptions {
  /**
   * The public key AWS Marketplace issued for the product: a PEM string (or its base64 body), a
   * path to a PEM file, a Buffer holding the PEM, or a KeyObject. Private keys are refused.
   */
  readonly publicKey: string | Uint8Array | KeyObject;
  /**
   * The product this workload belongs to. Strongly recommended: without it, any genuine
   * token signed with the same key passes, whatever product it was issued for.
   */
  readonly productCode?: string;
  /** The exact result file; default `<outputDir>/entitlement.json`. */
  readonly file?: string;
  /** Default `/var/run/metering-gate`. */
  readonly outputDir?: string;
  /** When given, the token must be for this public key version. */
  readonly publicKeyVersion?: number;
  /**
   * Oldest acceptable token `iat`. Default: no limit while the result is bound to this pod or
   * task (so restarts of the workload keep passing), 24h where no pod or task identity exists.
   * When given, it applies in both cases. A token without `iat` is refused.
   */
  readonly maxAge?: Duration;
  /** Tolerance for an `iat` in the future; default 2m. */
  readonly clockSkew?: Duration;
  /** Wait this long for the file to appear first (the gate may still be running); default 0. */
  readonly wait?: Duration;
  /** Stops the wait. */
  readonly signal?: AbortSignal;
  /**
   * Where this pod's or task's identity is read from (METERING_GATE_POD_UID, or the ECS task
   * metadata endpoint in ECS_CONTAINER_METADATA_URI_V4); default `process.env`. Nothing else is
   * read from it: only the options above can loosen a check.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface VerifiedEntitlement {
  readonly entitled: true;
  readonly file: string;
  readonly productCode: string;
  readonly publicKeyVersion: number;
  readonly nonce: string;
  readonly region: string | null;
  /** From the token's `iat`, which is signed; the file's own timestamps are not. */
  readonly issuedAt: Date;
  /** The token's signed claims. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** What the pass rested on: the result is bound to this pod or ECS task, or (none) the unbound age limit. */
  readonly binding: 'kubernetes-pod' | 'ecs-task' | 'none';
  /** The whole file; only the fields the token covers are proven. */
  readonly result: EntitlementResult;
}

function configError(message: string): MeteringGateError {
  return new MeteringGateError('CONFIG_INVALID', message);
}

/** The CLI's `verify` option of the same name gives the default and the range, so both agree; messages name the library option. */
function duration(name: 'maxAge' | 'clockSkew' | 'wait', value: Duration | undefined): number {
  const spec = optionByKey(VERIFY_OPTIONS, name);
  return readDurationValue(value ?? spec.default ?? '0', { name, range: durationRange(spec) });
}

/**
 * The CLI's key loader, with messages that name the library's option. A string is PEM (or a
 * key's base64 body) when it holds a key, else a path; a Buffer holds the file's bytes.
 */
function loadKey(publicKey: string | Uint8Array | KeyObject): KeyObject {
  if (publicKey === undefined || (typeof publicKey === 'string' && publicKey.trim() === '')) {
    throw configError('missing publicKey: give the PEM, a path to it, a Buffer holding it, or a KeyObject');
  }
  if (typeof publicKey === 'string' && looksLikeKeyText(publicKey) === false) {
    const context = { name: 'publicKey', shown: JSON.stringify(publicKey), file: publicKey };
    return parsePublicKey(readKeyFile(publicKey, context), context).key;
  }
  const shown = typeof publicKey === 'string' ? `(PEM, ${publicKey.length} characters)` : publicKey instanceof KeyObject ? `(KeyObject, ${publicKey.type})` : `(${publicKey?.constructor?.name ?? typeof publicKey}, ${(publicKey as Uint8Array)?.byteLength ?? 0} bytes)`;
  return parsePublicKey(publicKey, { name: 'publicKey', shown }).key;
}

/**
 * Checks, from inside the workload, that the gate really ran and AWS really said yes: the
 * file must hold an ENTITLED result whose token verifies under the product's key, whose
 * claims match the file (and `productCode`), and which was registered for this pod or task
 * (or, where neither exists, recently). A missing file, a hand-written one, an edited one,
 * another product's or another pod's are all refused with the code the `verify` command would
 * exit with (11, 5, 5, 5, 5; 3 for a genuine refusal, the recorded code for a gate error).
 */
export async function verifyEntitlement(options: VerifyEntitlementOptions): Promise<VerifiedEntitlement> {
  try {
    if (options === null || typeof options !== 'object') throw configError('verifyEntitlement needs an options object with publicKey');
    const file = resolve(options.file ?? join(options.outputDir ?? DEFAULT_OUTPUT_DIR, RESULT_FILE));
    const maxAgeMs = options.maxAge === undefined ? null : duration('maxAge', options.maxAge);
    const unboundMaxAgeMs = duration('maxAge', undefined);
    const clockSkewMs = duration('clockSkew', options.clockSkew);
    const waitMs = duration('wait', options.wait);
    const { publicKeyVersion } = options;
    if (publicKeyVersion !== undefined && (!Number.isSafeInteger(publicKeyVersion) || publicKeyVersion < 1)) {
      throw new MeteringGateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: 'publicKeyVersion', shownValue: JSON.stringify(publicKeyVersion), allowed: 'must be an integer >= 1' });
    }
    const key = loadKey(options.publicKey);
    const workload = await resolveWorkloadIdentity(readEnvironmentFacts(options.env ?? process.env), { timeoutMs: 2_000, ...(options.signal ? { signal: options.signal } : {}) });
    const verified = await verifyResultFile({
      file,
      key,
      workload,
      maxAgeMs,
      unboundMaxAgeMs,
      clockSkewMs,
      waitMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.productCode === undefined ? {} : { productCode: options.productCode }),
      ...(publicKeyVersion === undefined ? {} : { publicKeyVersion }),
    });
    const iat = claimLookup(verified.claims)('iat').value as number;
    const { result } = verified;
    return {
      entitled: true,
      file,
      productCode: result.productCode as string,
      publicKeyVersion: result.publicKeyVersion as number,
      nonce: result.nonce as string,
      region: result.region ?? null,
      issuedAt: new Date(iat * 1000),
      claims: verified.claims,
      binding: verified.binding,
      result,
    };
  } catch (error) {
    throw MeteringGateError.from(error);
  }
}
