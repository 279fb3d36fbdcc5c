import type { CredentialEnvironment } from '../config/environment.js';

/**
 * The STS endpoint the SDK calls for IRSA, for messages and doctor: the configured override,
 * else the regional endpoint (the SDK v3 default; the global sts.amazonaws.com only when asked).
 */
export function stsEndpointFor(credentials: CredentialEnvironment, region: string | null): string {
  if (credentials.stsEndpointUrl) return credentials.stsEndpointUrl;
  if (!region) return 'the regional STS endpoint';
  return `https://sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}
