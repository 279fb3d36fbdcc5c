import { setCredentialFeature } from '@aws-sdk/core/client';
import { fromHttp, fromIni, fromProcess, fromTokenFile } from '@aws-sdk/credential-providers';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
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
  /** The credential facts the gate decided from (config/environment.ts): the chain reads these, never process.env. */
  readonly credentials: CredentialEnvironment;
  /** AWS_EC2_METADATA_DISABLED, from the same facts: no IMDS link then. */
  readonly imdsDisabled: boolean;
  /**
   * The region of the inner STS client (IRSA's AssumeRoleWithWebIdentity): the run's own
   * region, asked for only when STS is called, so that the SDK picks STS's regional endpoint
   * for it (AWS_ENDPOINT_URL_STS from the same facts still wins).
   */
  readonly stsRegion: () => Promise<string>;
  /** One STS request's limit, enforced by the socket too: an abandoned attempt must end by itself. */
  readonly attemptTimeoutMs: number;
  /** Proxy and CA bundle: STS goes through the same network layer as Metering (src/net). */
  readonly network: NetworkConfig;
}

type Link = AwsCredentialIdentityProvider;

/** The SDK treats credentials as stale five minutes before they expire, and so does the chain here. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/** Asks the chain once and keeps its answer until it nears expiry, as the SDK's chain does. */
function memoized(provider: Link): Link {
  let held: Promise<AwsCredentialIdentity> | null = null;
  return (properties) => {
    if (held === null) {
      held = provider(properties).then(
        (credentials) => {
          if (credentials.expiration && credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_MS) held = null;
          return credentials;
        },
        (error: unknown) => {
          held = null;
          throw error;
        },
      );
    }
    return held;
  };
}

/**
 * Tries each link in turn; a link's failure that the SDK marks tryNextLink passes to the next,
 * any other failure ends the chain (the SDK's own chain rule).
 */
function chain(links: readonly Link[]): Link {
  return async (properties) => {
    let last: unknown;
    for (const link of links) {
      try {
        return await link(properties);
      } catch (error) {
        last = error;
        if ((error as { tryNextLink?: unknown } | null)?.tryNextLink !== true) throw error;
      }
    }
    throw last;
  };
}

/**
 * The SDK node chain's order (env keys unless a profile is named, then the shared files' profile
 * with its SSO or process settings, web identity, then the container endpoint or IMDS), built
 * from the gate's credential facts instead of the process environment: the library's `env`
 * and the CLI's environment reach the SDK's providers the same way, so what the gate reports
 * (credentialSource, doctor) and what signs the call come from one place. Each provider is the
 * SDK's own, given its settings explicitly; an empty string stops its fallback to process.env.
 * The STS client makes one attempt per call: retries are the gate's (see resolveCredentials),
 * inside the run's deadline.
 */
export function createCredentialProvider(options: CredentialChainOptions): AwsCredentialIdentityProvider {
  const facts = options.credentials;
  const clientConfig = {
    region: options.stsRegion,
    maxAttempts: 1,
    // A wrong AWS_ENDPOINT_URL_STS (an HTML page, a redirect) is named as such, not taken for STS refusing.
    requestHandler: createRequestHandler(options.network, {
      connectTimeoutMs: options.attemptTimeoutMs,
      requestTimeoutMs: options.attemptTimeoutMs,
      expect: { protocol: 'aws-query', api: 'sts', service: 'AWS STS' },
    }),
    ...(facts.stsEndpointUrl ? { endpoint: facts.stsEndpointUrl } : {}),
  };
  const [configFilepath, filepath] = facts.sharedFiles;
  const files = { profile: facts.profile ?? 'default', ...(configFilepath ? { configFilepath } : {}), ...(filepath ? { filepath } : {}) };
  const links: Link[] = [];
  const secrets = facts.secrets();
  if (!facts.profile && secrets.accessKeyId && secrets.secretAccessKey) {
    const keys: AwsCredentialIdentity = {
      accessKeyId: secrets.accessKeyId,
      secretAccessKey: secrets.secretAccessKey,
      ...(secrets.sessionToken ? { sessionToken: secrets.sessionToken } : {}),
      ...(secrets.expiration ? { expiration: new Date(secrets.expiration) } : {}),
    };
    links.push(async () => keys);
  }
  links.push(fromIni({ ...files, clientConfig }), fromProcess(files));
  if (facts.webIdentityTokenFile && facts.roleArn) {
    links.push(fromTokenFile({ webIdentityTokenFile: facts.webIdentityTokenFile, roleArn: facts.roleArn, ...(facts.roleSessionName ? { roleSessionName: facts.roleSessionName } : {}), clientConfig }));
  }
  if (facts.containerRelativeUri || facts.containerFullUri) {
    links.push(
      fromHttp({
        awsContainerCredentialsRelativeUri: facts.containerRelativeUri ?? '',
        awsContainerCredentialsFullUri: facts.containerFullUri ?? '',
        awsContainerAuthorizationToken: secrets.containerAuthorizationToken ?? '',
        awsContainerAuthorizationTokenFile: facts.containerAuthorizationTokenFile ?? '',
      }),
    );
  } else if (!options.imdsDisabled) {
    links.push(fromImds());
  }
  const provider = memoized(chain(links));
  // The STS client is constructed inside the chain, on its first call: quiet, like the Metering client.
  return (properties) => withoutNodeVersionWarning(() => provider(properties));
}

/**
 * The instance-metadata link, as @aws-sdk/credential-providers' own fromInstanceMetadata builds
 * it. That wrapper imports `@aws-sdk/core/client` as a whole namespace at run time, which keeps
 * the SDK's browser user-agent parser (bowser, 34 KB) in the bundle; the same two calls with
 * named imports let esbuild drop it.
 */
function fromImds(): Link {
  const provider = fromInstanceMetadata();
  return async () => setCredentialFeature(await provider(), 'CREDENTIALS_IMDS', '0');
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
