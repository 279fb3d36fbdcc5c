import { existsSync } from 'node:fs';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { CredentialEnvironment } from '../config/environment.js';
import { formatDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { isDeadlineReached, type StopCause } from '../time/deadline.js';
import { timeLimit } from '../time/time-limit.js';

/**
 * The SDK's node provider chain: `fromNodeProviderChain()` in `@aws-sdk/credential-providers`
 * is `defaultProvider({})` from `@aws-sdk/credential-provider-node`, loaded on first use
 * (env, SSO, ini, process, web identity, then container or IMDS, memoized), and so is this.
 * Importing that package directly keeps the rest of `@aws-sdk/credential-providers` (the
 * Cognito provider and its client) out of every start.
 *
 * One shortcut, with the same outcome: with no AWS_PROFILE and neither shared file
 * (~/.aws/config, ~/.aws/credentials or their AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE
 * overrides) present, the chain's SSO step skips itself (it is given no SSO settings) and its
 * ini and process steps can only fail over to the next link, as they find no profile. That
 * is every pod and task that runs the gate, so there the chain starts at web identity and
 * loads only the providers it reaches, in the chain's order: env, web identity, then
 * container (fromHttp, then fromContainerMetadata) or IMDS, as the chain's remote step does.
 */
export function createCredentialProvider(credentials: CredentialEnvironment, imdsDisabled: boolean): AwsCredentialIdentityProvider {
  const profilesMayApply = credentials.profile !== null || credentials.sharedFiles.some((file) => existsSync(file));
  return memoize(profilesMayApply ? fullNodeChain() : chainWithoutProfiles(credentials, imdsDisabled));
}

function fullNodeChain(): AwsCredentialIdentityProvider {
  let chain: AwsCredentialIdentityProvider | undefined;
  return async (properties) => {
    chain ??= (await import('@aws-sdk/credential-provider-node')).defaultProvider({});
    return chain(properties);
  };
}

/** A link that could not answer; like the SDK's, it tells the chain to try the next one. */
function nextLink(message: string): Error {
  return Object.assign(new Error(message), { name: 'CredentialsProviderError', tryNextLink: true });
}

function chainWithoutProfiles(credentials: CredentialEnvironment, imdsDisabled: boolean): AwsCredentialIdentityProvider {
  const links: AwsCredentialIdentityProvider[] = [
    async () => (await import('@aws-sdk/credential-provider-env')).fromEnv({})(),
    async (properties) => {
      // fromTokenFile's own first check, made here so that a pod without IRSA never loads it.
      if (!credentials.webIdentityTokenFile || !credentials.roleArnPresent) throw nextLink('Web identity configuration not specified');
      return (await import('@aws-sdk/credential-provider-web-identity')).fromTokenFile({})(properties);
    },
    async (properties) => {
      if (credentials.containerRelativeUri || credentials.containerFullUri) {
        const [{ fromHttp }, { fromContainerMetadata }] = await Promise.all([import('@aws-sdk/credential-provider-http'), import('@smithy/credential-provider-imds')]);
        return runChain([fromHttp({}), fromContainerMetadata({})], properties);
      }
      if (imdsDisabled) throw Object.assign(new Error('EC2 Instance Metadata Service access disabled'), { name: 'CredentialsProviderError' });
      return (await import('@smithy/credential-provider-imds')).fromInstanceMetadata({})();
    },
  ];
  return async (properties) => {
    try {
      return await runChain(links, properties);
    } catch (error) {
      if ((error as { tryNextLink?: boolean }).tryNextLink) throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false });
      throw error;
    }
  };
}

async function runChain(links: readonly AwsCredentialIdentityProvider[], properties: Parameters<AwsCredentialIdentityProvider>[0]) {
  let lastError: unknown = nextLink('no credential provider to try');
  for (const link of links) {
    try {
      return await link(properties);
    } catch (error) {
      lastError = error;
      if (!(error as { tryNextLink?: boolean }).tryNextLink) throw error;
    }
  }
  throw lastError;
}

/** As the chain memoizes: answer from the last credentials until they are within 5 minutes of expiring. */
function memoize(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let credentials: Awaited<ReturnType<AwsCredentialIdentityProvider>> | undefined;
  let inflight: ReturnType<AwsCredentialIdentityProvider> | undefined;
  return async (properties) => {
    const fresh = credentials && (credentials.expiration === undefined || credentials.expiration.getTime() - Date.now() >= 300_000);
    if (credentials && fresh) return credentials;
    // A failure is not remembered: the next call tries again, as the chain does.
    inflight ??= provider(properties)
      .then((answer) => (credentials = answer))
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

/**
 * Resolves credentials once before the first call, inside a time limit, so that "no
 * credentials" is reported as such (exit 8) rather than as a failed request, and a
 * credential endpoint that never answers cannot hold the start up. `signal` may be the run's
 * deadline: when it aborts, its reason (the caller's stop, or DeadlineReached) is thrown as
 * is, so that a deadline is reported as one and not as missing credentials.
 */
export async function resolveCredentials(
  provider: AwsCredentialIdentityProvider,
  options: { timeoutMs: number; signal: AbortSignal; stats?: { stoppedBy?: StopCause | null } },
): Promise<void> {
  const limit = timeLimit(options.timeoutMs, {
    parent: options.signal,
    reason: () => new GateError('CREDENTIALS_UNAVAILABLE', `no credentials within ${formatDuration(options.timeoutMs)} (attempt timeout): the credential provider did not answer`),
  });
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(limit.signal.reason);
    if (limit.signal.aborted) onAbort();
    else limit.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([provider(), stopped]);
  } catch (error) {
    if (options.stats && limit.cause() !== null) options.stats.stoppedBy = limit.cause() === 'timeout' ? 'attempt-timeout' : isDeadlineReached(options.signal.reason) ? 'deadline' : 'signal';
    if (limit.cause() === 'parent') throw options.signal.reason;
    if (error instanceof GateError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new GateError('CREDENTIALS_UNAVAILABLE', `no AWS credentials: ${message}`, {
      cause: error,
      hint: 'on EKS annotate the service account for IRSA (eks.amazonaws.com/role-arn); on ECS give the task a task role.',
    });
  } finally {
    limit.dispose();
    if (onAbort) limit.signal.removeEventListener('abort', onAbort);
    stopped.catch(() => undefined);
  }
}
