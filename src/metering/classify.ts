import type { ErrorCode, FailureDetail } from '../errors.js';
import { classifyNetFailure } from '../net/errors.js';

export type Classification =
  /** throttled: the service said "too many callers", which the backoff answers with longer waits. */
  | { kind: 'transient'; reason: string; throttled: boolean }
  /** detail: the failure's facts when it is already a gate failure (its reason is then their message). */
  | { kind: 'final'; code: ErrorCode; reason: string; hint?: string; detail?: FailureDetail };

export const IAM_POLICY_HINT =
  'grant the role that signs the call (the IRSA role on EKS, the task role on ECS, not the execution or node role) this policy: {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"aws-marketplace:RegisterUsage","Resource":"*"}]}';

const BAD_CREDENTIALS_HINT = 'the credentials were refused by AWS: check that the role can be assumed and its session has not expired; on EKS use IRSA, on ECS the task role.';

/** What each modelled RegisterUsage error means for the gate, and how to fix it; anything else is classified by HTTP status. */
const SERVICE_ERRORS: Readonly<Record<string, { code: ErrorCode; hint?: string }>> = {
  CustomerNotEntitledException: { code: 'CUSTOMER_NOT_ENTITLED', hint: 'the AWS account running this workload has no active subscription to the product; subscribe in AWS Marketplace with this account.' },
  PlatformNotSupportedException: { code: 'PLATFORM_NOT_SUPPORTED', hint: 'RegisterUsage works only from ECS, EKS or Fargate; on a laptop or plain EC2 this answer is expected. Use `metering-gate emulator` for local tests.' },
  InvalidRegionException: { code: 'INVALID_REGION', hint: 'the call must be made in the region the task or pod runs in: remove any --region or hard-coded AWS_REGION and let the gate detect it.' },
  InvalidProductCodeException: { code: 'PRODUCT_REJECTED', hint: 'check the product code: it must be the code of the AWS Marketplace product this image belongs to.' },
  InvalidPublicKeyVersionException: { code: 'PRODUCT_REJECTED', hint: 'check --public-key-version against the key version AWS Marketplace gave you for this product.' },
  DisabledApiException: { code: 'PRODUCT_REJECTED', hint: 'RegisterUsage is disabled for this product; contact AWS Marketplace seller operations.' },
  AccessDeniedException: { code: 'ACCESS_DENIED', hint: IAM_POLICY_HINT },
  UnrecognizedClientException: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  ExpiredTokenException: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  InvalidClientTokenId: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  InvalidSignatureException: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  IncompleteSignatureException: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  MissingAuthenticationTokenException: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  SignatureDoesNotMatch: { code: 'ACCESS_DENIED', hint: BAD_CREDENTIALS_HINT },
  ValidationException: { code: 'CONFIG_INVALID' },
  // The SDK's endpoint rules refused the settings before any request: no retry can change that.
  EndpointError: {
    code: 'CONFIG_INVALID',
    hint: 'the endpoint settings cannot be combined: AWS_USE_FIPS_ENDPOINT or AWS_USE_DUALSTACK_ENDPOINT (env or shared config) do not go with --endpoint-url, and only regions with such an endpoint have one; unset them or the endpoint URL.',
  },
  CredentialsProviderError: { code: 'CREDENTIALS_UNAVAILABLE' },
};

const THROTTLING_ERRORS = new Set(['ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);

const TRANSIENT_ERRORS = new Set([
  'InternalServiceErrorException',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: unknown;
}

/** Error fields come from the wire: a service (or anything posing as one) may send a number or an object as the message. */
function firstLine(text: unknown): string {
  if (typeof text !== 'string') return text === undefined || text === null ? '' : JSON.stringify(text)?.slice(0, 300) ?? '';
  return text.split('\n')[0]?.slice(0, 300) ?? '';
}

export function classifyCallError(error: unknown): Classification {
  // TLS, proxy and wrong-endpoint failures: final, whatever --on-unavailable says (src/net/errors.ts).
  const network = classifyNetFailure(error);
  if (network) return { kind: 'final', ...network };
  const shape = (error ?? {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' && shape.name !== '' ? shape.name : 'Error';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const described = `${name}${status ? ` (HTTP ${status})` : ''}: ${firstLine(shape.message) || 'no message'}`;

  // Own properties only: an error type named "constructor" or "__proto__" must not find Object's.
  const known = Object.hasOwn(SERVICE_ERRORS, name) ? SERVICE_ERRORS[name] : undefined;
  if (known) return { kind: 'final', code: known.code, reason: described, ...(known.hint ? { hint: known.hint } : {}) };
  if (THROTTLING_ERRORS.has(name) || status === 429) return { kind: 'transient', reason: described, throttled: true };
  if (TRANSIENT_ERRORS.has(name)) return { kind: 'transient', reason: described, throttled: false };
  if (typeof shape.code === 'string' && NETWORK_ERROR_CODES.has(shape.code)) return { kind: 'transient', reason: `${shape.code}: ${firstLine(shape.message)}`, throttled: false };
  if (status !== undefined && status >= 500) return { kind: 'transient', reason: described, throttled: false };
  if (status === 401 || status === 403) return { kind: 'final', code: 'ACCESS_DENIED', reason: described };
  // A 200 whose body is not the modelled JSON: the service answered, but with no usable token.
  if (name === 'SyntaxError' || (status !== undefined && status < 300)) {
    return { kind: 'final', code: 'TOKEN_INVALID', reason: `the response could not be read as a RegisterUsage answer: ${firstLine(shape.message)}` };
  }
  if (status !== undefined) return { kind: 'final', code: 'INTERNAL', reason: `unexpected service error ${described}` };
  // No HTTP status: the request never completed, which the SDK also treats as retryable.
  return { kind: 'transient', reason: described, throttled: false };
}
