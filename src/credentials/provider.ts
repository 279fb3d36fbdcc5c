import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { CredentialEnvironment } from '../config/environment.js';
import type { NetworkConfig } from '../config/network-config.js';
import { formatDuration } from '../config/duration.js';
import { GateError, isGateError } from '../errors.js';
import { withoutNodeVersionWarning } from '../metering/register-usage.js';
import { withRetries, type RetryStats } from '../metering/retry.js';
import { createRequestHandler } from '../net/request-handler.js';
import { isDeadlineReached } from '../time/deadline.js';
import { timeLimit } from '../time/time-limit.js';
import { classifyStsError, irsaConfigured, STS_UNREACHABLE_HINT, type IrsaContext } from './classify.js';

export interface CredentialChainOptions {
  /**
   * The region of the inner STS client (IRSA's AssumeRoleWithWebIdentity): the run's own
   * region, asked for only when STS is called, so that the SDK picks STS's regional endpoint
   * for it (AWS_ENDPOINT_URL_STS, read by the SDK, still wins).
   */
  readonly stsRegion: () => Promise<string>;
  /** One STS request's limit, enforced by the socket too: an abandoned attempt must end by itself. */
  readonly attemptTimeoutMs: number;
  /** Proxy and CA bundle: STS goes through the same network layer as Metering (src/net). */
  readonly network: NetworkConfig;
}

/**
 * The SDK's node chain (env, SSO, ini, process, web identity, then container or IMDS,
 * memoized), as `@aws-sdk/credential-providers` builds it. Its STS client makes one attempt
 * per call: retries are the gate's (see resolveCredentials), inside the run's deadline.
 */
export function createCredentialProvider(options: CredentialChainOptions): AwsCredentialIdentityProvider {
  const chain = fromNodeProviderChain({
    clientConfig: {
      region: options.stsRegion,
      maxAttempts: 1,
      // A wrong AWS_ENDPOINT_URL_STS (an HTML page, a redirect) is named as such, not taken for STS refusing.
      requestHandler: createRequestHandler(options.network, {
        connectTimeoutMs: options.attemptTimeoutMs,
        requestTimeoutMs: options.attemptTimeoutMs,
        expect: { protocol: 'aws-query', api: 'sts', service: 'AWS STS' },
      }),
    },
  });
  // The STS client is constructed inside the chain, on its first call: quiet, like the Metering client.
  return (properties) => withoutNodeVersionWarning(() => chain(properties));
}

/** Rejects with the signal's reason once it aborts; a provider call cannot itself be aborted. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort!));
}

export interface ResolveCredentialsOptions {
  readonly credentials: CredentialEnvironment;
  /** Absolute time after which no attempt starts: the run's deadline, shared with RegisterUsage. */
  readonly deadlineAt: number;
  /** The run's whole budget, for the attempt floor (see retry.ts). */
  readonly budgetMs?: number;
  readonly attemptTimeoutMs: number;
  /** The caller's stop (SIGTERM/SIGINT). */
  readonly signal: AbortSignal;
  /** The run's deadline as a signal (aborts with DeadlineReached), for the one attempt of a source other than IRSA; default `signal`. */
  readonly deadlineSignal?: AbortSignal;
  /** The STS endpoint in use, for messages. */
  readonly stsEndpoint: () => string;
  /** STS's attempts, and why the credential step stopped without an answer. */
  readonly stats: RetryStats;
  readonly onRetry?: (retry: { attempt: number; reason: string; waitMs: number; throttled: boolean }) => void;
}

/**
 * Resolves credentials before the first call, so that "no credentials" is reported as such
 * (exit 8) rather than as a failed request. With IRSA configured, STS's transient failures
 * (network, 5xx, throttling, IDPCommunicationError) are retried with the gate's backoff and
 * deadline rules (retry.ts) until the run's deadline, each attempt with a fresh chain (a
 * memoized chain would wait on the attempt that hung); its refusals end the run with their own
 * fixes. Any other source gets one attempt within the attempt timeout, so an endpoint that
 * never answers cannot hold the start; when the run's deadline ends it first, its reason
 * (DeadlineReached) is thrown as is, so that a deadline is reported as one.
 * Returns the provider that answered, holding its credentials, for the Metering client.
 */
export async function resolveCredentials(create: () => AwsCredentialIdentityProvider, options: ResolveCredentialsOptions): Promise<AwsCredentialIdentityProvider> {
  const { credentials } = options;
  if (credentials.webIdentityTokenFile && credentials.roleArn) {
    const irsa: IrsaContext = { roleArn: credentials.roleArn, tokenFile: credentials.webIdentityTokenFile, stsEndpoint: options.stsEndpoint };
    try {
      return await withRetries(
        async (signal) => {
          const provider = create();
          await untilAborted(provider(), signal);
          return provider;
        },
        {
          deadlineAt: options.deadlineAt,
          ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
          attemptTimeoutMs: options.attemptTimeoutMs,
          signal: options.signal,
          operation: 'STS AssumeRoleWithWebIdentity',
          classify: (error) => classifyStsError(error, irsa),
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        },
        options.stats,
      );
    } catch (error) {
      if (options.signal.aborted) throw error;
      const outOfTime = isDeadlineReached(error) || (isGateError(error) && error.code === 'SERVICE_UNAVAILABLE');
      if (!outOfTime) throw error;
      options.stats.stoppedBy = 'deadline';
      throw new GateError(
        'SERVICE_UNAVAILABLE',
        `${irsaConfigured(irsa)}, but STS (${options.stsEndpoint()}) did not issue credentials (AssumeRoleWithWebIdentity) before the deadline after ${options.stats.attempts} attempt(s); last failure: ${options.stats.lastTransientReason ?? 'none (the deadline passed before the first attempt)'}`,
        { cause: error, hint: STS_UNREACHABLE_HINT },
      );
    }
  }

  const parent = options.deadlineSignal ?? options.signal;
  const limit = timeLimit(options.attemptTimeoutMs, {
    parent,
    reason: () => new GateError('CREDENTIALS_UNAVAILABLE', `no credentials within ${formatDuration(options.attemptTimeoutMs)} (attempt timeout): the credential provider did not answer`),
  });
  const provider = create();
  try {
    await untilAborted(provider(), limit.signal);
    return provider;
  } catch (error) {
    if (limit.cause() !== null) options.stats.stoppedBy = limit.cause() === 'timeout' ? 'attempt-timeout' : isDeadlineReached(parent.reason) ? 'deadline' : 'signal';
    if (limit.cause() === 'parent') throw parent.reason;
    if (isGateError(error)) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // Not "IRSA failed": IRSA is not configured, and saying so is what tells the two apart.
    const irsaMissing = credentials.webIdentityTokenFile || credentials.roleArn ? `IRSA is half configured (${credentials.roleArn ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN'} is not set)` : 'IRSA is not configured (no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE)';
    throw new GateError('CREDENTIALS_UNAVAILABLE', `no AWS credentials: ${irsaMissing}, and no other source answered: ${message}`, {
      cause: error,
      hint: 'on EKS annotate the pod\'s service account with eks.amazonaws.com/role-arn (IRSA: the EKS pod identity webhook then sets AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE and mounts the token); on ECS give the task a task role.',
    });
  } finally {
    limit.dispose();
  }
}
