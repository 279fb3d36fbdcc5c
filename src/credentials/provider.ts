import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { GateError } from '../errors.js';

export function createCredentialProvider(): AwsCredentialIdentityProvider {
  return fromNodeProviderChain();
}

/**
 * Resolves credentials once before the first call, inside a time limit, so that "no
 * credentials" is reported as such (exit 8) rather than as a failed request, and a
 * credential endpoint that never answers cannot hold the start up.
 */
export async function resolveCredentials(provider: AwsCredentialIdentityProvider, options: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const stop = AbortSignal.any([options.signal, timeout]);
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(options.signal.aborted ? options.signal.reason : new GateError('CREDENTIALS_UNAVAILABLE', `no credentials within ${options.timeoutMs}ms: the credential provider did not answer`));
    stop.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([provider(), stopped]);
  } catch (error) {
    if (error instanceof GateError || options.signal.aborted) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new GateError('CREDENTIALS_UNAVAILABLE', `no AWS credentials: ${message}`, {
      cause: error,
      hint: 'on EKS annotate the service account for IRSA (eks.amazonaws.com/role-arn); on ECS give the task a task role.',
    });
  } finally {
    if (onAbort) stop.removeEventListener('abort', onAbort);
    stopped.catch(() => undefined);
  }
}
