import { MarketplaceMeteringClient, RegisterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { NetworkConfig } from '../config/network-config.js';
import { createRequestHandler } from '../net/request-handler.js';

export interface MeteringCallOptions {
  readonly region: string;
  readonly endpointUrl: string | null;
  readonly credentials: AwsCredentialIdentityProvider;
  /** Proxy, CA bundle: the network layer (src/net) makes the request handler from it. */
  readonly network: NetworkConfig;
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
  return withoutNodeVersionWarning(() => constructClient(options));
}

/**
 * Runs `work` (which may construct SDK clients, as IRSA's credential provider constructs its
 * STS client) with the SDK's Node version warning switched off, and restores the environment
 * when the last overlapping call is done.
 */
let switchHolders = 0;
export function withoutNodeVersionWarning<T>(work: () => T): T {
  const owner = switchHolders === 0 && !(NODE_VERSION_WARNING_SWITCH in process.env);
  if (owner) process.env[NODE_VERSION_WARNING_SWITCH] = 'true';
  if (owner || switchHolders > 0) switchHolders += 1;
  const release = () => {
    if (switchHolders === 0) return;
    switchHolders -= 1;
    if (switchHolders === 0) delete process.env[NODE_VERSION_WARNING_SWITCH];
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    release();
    throw error;
  }
  if (result instanceof Promise) return result.finally(release) as T;
  release();
  return result;
}

function constructClient(options: MeteringCallOptions): MarketplaceMeteringClient {
  return new MarketplaceMeteringClient({
    region: options.region,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    credentials: options.credentials,
    maxAttempts: 1,
    requestHandler: createRequestHandler(options.network, {
      connectTimeoutMs: options.connectTimeoutMs,
      expect: { protocol: 'aws-json', api: 'metering', service: 'the AWS Marketplace Metering API' },
    }),
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

/**
 * Build time only, for the startup snapshot (snapshot/rehearsal.ts): one RegisterUsage through
 * the whole client (middleware, endpoint rules, SigV4, the JSON protocol both ways) against a
 * canned answer instead of the network, so that the snapshot holds that code compiled.
 *
 * Every setting the SDK would otherwise look up in the environment or in the shared config
 * files is given, because some lookups are kept for the life of the process in module state
 * (the shared-config file cache; the memoized AWS_DISABLE_CLOCK_SKEW_CORRECTION default) and
 * would carry the build machine's answers into every start. The recursion-detection
 * middleware is taken out because its first run creates the Lambda invoke store, a module
 * singleton shaped by the environment; in a real run it still runs, as loaded at that time.
 * The snapshot build checks that nothing of the kind is read (guardBuild).
 */
/**
 * The settings of an SDK client rehearsed while the snapshot is built: every one the SDK would
 * otherwise look up (see above), and a request handler that answers `body` without a network.
 */
export function rehearsalClientSettings(contentType: string, body: Uint8Array) {
  return {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    retryMode: 'standard',
    defaultsMode: 'standard' as const,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    userAgentAppId: '',
    authSchemePreference: [] as string[],
    disableClockSkewCorrection: false,
    requestHandler: {
      handle: async () => ({
        response: { statusCode: 200, reason: 'OK', headers: { 'content-type': contentType, 'x-amzn-requestid': 'snapshot-build' }, body },
      }),
    },
  };
}

export async function rehearseRegisterUsage(): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify({ Signature: 'e30.e30.e30' }));
  const client = new MarketplaceMeteringClient({
    ...rehearsalClientSettings('application/x-amz-json-1.1', body),
    credentials: { accessKeyId: 'AKIDSNAPSHOTBUILD', secretAccessKey: 'snapshot-build', sessionToken: 'snapshot-build' },
  });
  client.middlewareStack.remove('recursionDetectionMiddleware');
  try {
    const answer = await registerUsage(client, { productCode: 'snapshotbuild', publicKeyVersion: 1, nonce: 'snapshot-build' }, new AbortController().signal);
    if (answer.signature !== 'e30.e30.e30') throw new Error('the rehearsed RegisterUsage did not return the canned signature');
  } finally {
    client.destroy();
  }
}
