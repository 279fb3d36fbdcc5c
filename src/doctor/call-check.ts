import { randomUUID } from 'node:crypto';
import type { DoctorConfig } from '../config/doctor-config.js';
import { createCredentialProvider, resolveCredentials } from '../credentials/provider.js';
import { checkSharedFiles } from '../credentials/shared-files.js';
import { stsEndpointFor } from '../credentials/sts-endpoint.js';
import { toGateError } from '../errors.js';
import { classifyCallError } from '../metering/classify.js';
import { createMeteringClient, registerUsage, type RegisterUsageAnswer } from '../metering/register-usage.js';
import { isDeadlineReached } from '../time/deadline.js';
import { timeLimit } from '../time/time-limit.js';
import { verifyToken } from '../verify/token.js';
import { fail, pass, skip, warn, type CheckRow } from './report.js';

/**
 * One real RegisterUsage call, with register's modules but no retries and no result
 * files: doctor reports the first answer and what it means.
 */
export async function checkCall(config: DoctorConfig, region: string | null, signal: AbortSignal): Promise<CheckRow> {
  if (!config.call) return skip('call', 'RegisterUsage not called (add --call to make one real call)');
  const product = config.productCode.ok ? config.productCode.value : null;
  if (!product || !config.publicKeyVersion.ok || !config.publicKey.ok || !config.skipSignatureVerification.ok || !config.runOptions.ok || !config.endpointUrl.ok || !config.network.ok) {
    return skip('call', 'not called: fix the failing configuration rows first');
  }
  if (!region) return skip('call', 'not called: no region (see the region row)');
  const options = config.runOptions.value;
  const key = config.skipSignatureVerification.value ? null : (config.publicKey.value?.key ?? null);
  const nonce = options.nonce ?? randomUUID();
  const publicKeyVersion = config.publicKeyVersion.value;

  const credentials = config.environment.credentials;
  const network = config.network.value;
  let provider;
  try {
    checkSharedFiles(credentials.sharedFiles);
    // One attempt at STS too (the deadline is one attempt's): doctor reports the first answer.
    provider = await resolveCredentials(() => createCredentialProvider({ credentials, imdsDisabled: config.environment.imdsDisabled, stsRegion: async () => region, attemptTimeoutMs: options.attemptTimeoutMs, network }), {
      credentials,
      deadlineAt: Date.now() + options.attemptTimeoutMs,
      attemptTimeoutMs: options.attemptTimeoutMs,
      signal,
      stsEndpoint: () => stsEndpointFor(credentials, region),
      stats: { attempts: 0, lastTransientReason: null },
    });
  } catch (error) {
    if (isDeadlineReached(error)) return fail('call', 'SERVICE_UNAVAILABLE', 'not called: no credentials before the deadline (--deadline)', null);
    const failure = toGateError(error);
    return fail('call', failure.code, failure.message, failure.hint ?? null);
  }

  const client = createMeteringClient({
    region,
    endpointUrl: config.endpointUrl.value,
    credentials: provider,
    network: config.network.value,
    connectTimeoutMs: options.attemptTimeoutMs,
  });
  let answer: RegisterUsageAnswer;
  // A held timer, not AbortSignal.timeout(): see time/clock.ts for why the latter can be lost on Node 20.
  const limit = timeLimit(options.attemptTimeoutMs, { parent: signal });
  try {
    answer = await registerUsage(client, { productCode: product.code, publicKeyVersion, nonce }, limit.signal);
  } catch (error) {
    if (limit.cause() === 'parent') {
      return isDeadlineReached(signal.reason) ? fail('call', 'SERVICE_UNAVAILABLE', 'no answer before the deadline (--deadline)', null) : fail('call', 'TERMINATED', 'stopped', null);
    }
    const classification = limit.cause() === 'timeout' ? { kind: 'transient' as const, reason: `no answer within ${options.attemptTimeoutMs}ms` } : classifyCallError(error);
    if (classification.kind === 'transient') {
      return fail('call', 'SERVICE_UNAVAILABLE', `RegisterUsage failed transiently: ${classification.reason}; register would retry until its deadline`, 'throttling at scale is retried with backoff: keep --deadline long enough (default 5m); for network errors see the endpoint row.');
    }
    return fail('call', classification.code, `RegisterUsage answered ${classification.reason}`, classification.hint ?? null);
  } finally {
    limit.dispose();
    client.destroy();
  }

  try {
    const verified = await verifyToken(answer.signature, key, { productCode: product.code, publicKeyVersion, nonce, maxAgeMs: options.maxTokenAgeMs, clockSkewMs: options.clockSkewMs });
    const what = `RegisterUsage in ${region} answered with a token${verified.signatureVerified ? ' that verifies (PS256, claims match)' : ' (signature not checked)'}`;
    if (answer.publicKeyRotationTimestamp) {
      return warn('call', `${what}, and PublicKeyRotationTimestamp ${answer.publicKeyRotationTimestamp.toISOString()}: key version ${publicKeyVersion} has expired`, 'get the new public key and version from AWS Marketplace (Seller Operations) and update --public-key-file and --public-key-version; see "Upgrading keys" in the README.');
    }
    return pass('call', what);
  } catch (error) {
    const failure = toGateError(error);
    return fail('call', failure.code, failure.message, 'check that the public key and key version are the ones AWS Marketplace issued for this product.');
  }
}
