import type { EnvironmentFacts } from '../config/environment.js';
import type { NetworkConfig } from '../config/network-config.js';
import { readWebIdentityClaims } from '../credentials/web-identity-token.js';
import { createCredentialProvider, resolveCredentials } from '../credentials/provider.js';
import { describeCredentialSource } from '../credentials/source.js';
import { stsEndpointFor } from '../credentials/sts-endpoint.js';
import { toGateError } from '../errors.js';
import { fail, pass, skip, type CheckRow } from './report.js';

/**
 * IRSA's half of the credentials: whether STS, at the endpoint the SDK will use, gives this
 * pod's token credentials for its role. One real AssumeRoleWithWebIdentity (it registers
 * nothing and the credentials are dropped), because only STS can say whether the OIDC
 * provider is registered and the role's trust policy allows this service account, and the
 * fix differs for each: "IRSA not configured", "STS unreachable" and "STS refused" are
 * three different rows.
 */
export async function checkSts(environment: EnvironmentFacts, region: string | null, network: NetworkConfig | null, options: { timeoutMs: number; signal: AbortSignal }): Promise<CheckRow> {
  const credentials = environment.credentials;
  const { webIdentityTokenFile: tokenFile, roleArn } = credentials;
  if (!tokenFile && !roleArn) {
    return skip('sts', 'IRSA not configured (no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE): STS is not called');
  }
  if (!tokenFile || !roleArn) {
    return fail(
      'sts',
      'CREDENTIALS_UNAVAILABLE',
      `IRSA is half configured: ${roleArn ? 'AWS_ROLE_ARN is set but not AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_WEB_IDENTITY_TOKEN_FILE is set but not AWS_ROLE_ARN'}`,
      'let the EKS pod identity webhook set both: annotate the service account with eks.amazonaws.com/role-arn and recreate the pod; do not set either by hand.',
    );
  }
  const source = describeCredentialSource(credentials, environment.imdsDisabled).source;
  if (source !== 'web-identity') return skip('sts', `IRSA is configured, but credentials come from ${source} first (see the credentials row): STS is not called`);
  if (!region) return skip('sts', 'not probed: STS is regional and there is no region (see the region row)');
  if (!network) return skip('sts', 'not probed: the proxy or CA bundle settings are invalid (see their row)');

  const endpoint = stsEndpointFor(credentials, region);
  const started = Date.now();
  try {
    await resolveCredentials(() => createCredentialProvider({ credentials, imdsDisabled: environment.imdsDisabled, stsRegion: async () => region, attemptTimeoutMs: options.timeoutMs, network }), {
      credentials,
      deadlineAt: Date.now() + options.timeoutMs,
      attemptTimeoutMs: options.timeoutMs,
      signal: options.signal,
      stsEndpoint: () => endpoint,
      stats: { attempts: 0, lastTransientReason: null },
    });
  } catch (error) {
    const failure = toGateError(error);
    return fail('sts', failure.code, failure.message, failure.hint ?? null);
  }
  const claims = readWebIdentityClaims(tokenFile);
  const who = claims ? ` (token sub ${JSON.stringify(claims.sub)}, aud ${JSON.stringify(claims.aud)})` : '';
  return pass('sts', `IRSA: STS at ${endpoint} answered AssumeRoleWithWebIdentity for ${roleArn}${who} in ${Date.now() - started}ms`);
}
