import { MarketplaceMeteringClient, RegisterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';

export interface MeteringCallOptions {
  readonly region: string;
  readonly endpointUrl: string | null;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly connectTimeoutMs: number;
}

export interface RegisterUsageAnswer {
  readonly signature: string | null;
  readonly publicKeyRotationTimestamp: Date | null;
}

const NODE_VERSION_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * One client per run; the SDK's own retries are off because metering/retry.ts owns that
 * policy. On Node 20 the SDK warns at construction about its future Node support; a gate
 * must be quiet when it works, so that warning is switched off (by the SDK's own switch)
 * for the construction only, leaving the environment as it was for any child process.
 */
export function createMeteringClient(options: MeteringCallOptions): MarketplaceMeteringClient {
  const switchWasSet = NODE_VERSION_WARNING_SWITCH in process.env;
  if (!switchWasSet) process.env[NODE_VERSION_WARNING_SWITCH] = 'true';
  try {
    return constructClient(options);
  } finally {
    if (!switchWasSet) delete process.env[NODE_VERSION_WARNING_SWITCH];
  }
}

function constructClient(options: MeteringCallOptions): MarketplaceMeteringClient {
  return new MarketplaceMeteringClient({
    region: options.region,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    credentials: options.credentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: options.connectTimeoutMs },
  });
}

export async function registerUsage(
  client: MarketplaceMeteringClient,
  input: { productCode: string; publicKeyVersion: number; nonce: string },
  signal: AbortSignal,
): Promise<RegisterUsageAnswer> {
  const output = await client.send(
    new RegisterUsageCommand({ ProductCode: input.productCode, PublicKeyVersion: input.publicKeyVersion, Nonce: input.nonce }),
    { abortSignal: signal },
  );
  return { signature: output.Signature ?? null, publicKeyRotationTimestamp: readableDate(output.PublicKeyRotationTimestamp) };
}

/**
 * The SDK turns an out-of-range epoch (say 1e308) into an Invalid Date, whose toISOString()
 * throws and would take the result file down with it. The field is advisory (the token is
 * verified either way), so an unreadable one counts as absent.
 */
function readableDate(value: Date | undefined): Date | null {
  return value instanceof Date && Number.isFinite(value.getTime()) ? value : null;
}
