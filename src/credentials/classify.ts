import { isGateError } from '../errors.js';
import { classifyCallError, type Classification } from '../metering/classify.js';
import { NetFailure } from '../net/errors.js';
import { readWebIdentityClaims, type WebIdentityClaims } from './web-identity-token.js';

/** What the gate knows about a configured IRSA, for messages and hints (no secret: the role ARN, the file's path, the token's claims). */
export interface IrsaContext {
  readonly roleArn: string;
  readonly tokenFile: string;
  /** The STS endpoint in use, for messages: an override, or the regional endpoint. */
  readonly stsEndpoint: () => string;
}

const show = (value: string | null) => (value === null ? '(absent)' : JSON.stringify(value));

/** The issuer as IAM's trust policy conditions name it: without https://. */
const conditionKey = (claims: WebIdentityClaims | null) => (claims?.iss ? claims.iss.replace(/^https:\/\//, '') : '<oidc-issuer>');

export function irsaConfigured(irsa: IrsaContext): string {
  return `IRSA is configured (AWS_ROLE_ARN ${irsa.roleArn}, token file ${irsa.tokenFile})`;
}

/** STS's final answers, by the name the SDK gives them (wire code InvalidIdentityToken is InvalidIdentityTokenException, and so on). */
const STS_REFUSALS: Readonly<Record<string, (irsa: IrsaContext, claims: WebIdentityClaims | null) => string>> = {
  InvalidIdentityTokenException: (_irsa, claims) =>
    `STS does not accept the service account token: register the cluster's OIDC provider (iss ${show(claims?.iss ?? null)}) in IAM as an identity provider with audience sts.amazonaws.com (eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve), and check the token's audience (aud ${show(claims?.aud ?? null)}): it must be sts.amazonaws.com.`,
  AccessDenied: (irsa, claims) =>
    `the trust policy of ${irsa.roleArn} does not allow this service account: it must allow sts:AssumeRoleWithWebIdentity for the federated principal of the cluster's OIDC provider with the conditions ${conditionKey(claims)}:sub = ${show(claims?.sub ?? null)} and ${conditionKey(claims)}:aud = ${show(claims?.aud ?? null)} (the token's sub and aud). Check the namespace and service account name in the condition, and the eks.amazonaws.com/role-arn annotation.`,
  ExpiredTokenException: (_irsa, claims) =>
    `the service account token has expired${claims?.exp ? ` (exp ${claims.exp.toISOString()})` : ''}: the kubelet refreshes a projected token (audience sts.amazonaws.com) before it expires; a token copied into a Secret, a file or an image never is. Mount the projected token the EKS pod identity webhook adds, and check the node's clock.`,
  RegionDisabledException: () => 'STS is deactivated in this region for the account: activate it in IAM > Account settings > Security Token Service (STS) endpoints.',
  MalformedPolicyDocumentException: () => 'STS refused the session policy; the gate sends none, so check AWS_ROLE_ARN and the SDK settings in the environment.',
  ValidationError: (irsa) => `STS refused the request's parameters: check AWS_ROLE_ARN (${irsa.roleArn}) and AWS_ROLE_SESSION_NAME.`,
};

/** IDPCommunicationError: STS could not reach the cluster's OIDC issuer this time; AWS documents it as retryable. */
const STS_TRANSIENT = new Set(['IDPCommunicationErrorException', 'Throttling']);

/** Node's errors for a file that cannot be read: the SDK reads the token file itself. */
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EPERM', 'ELOOP', 'ENOTDIR']);

export const STS_UNREACHABLE_HINT =
  'the pod must reach STS: allow egress to the regional STS endpoint (sts.<region>.amazonaws.com:443) or add an STS interface VPC endpoint (com.amazonaws.<region>.sts) with private DNS; behind an egress proxy set HTTPS_PROXY (and NO_PROXY for the metadata addresses); with a private CA set AWS_CA_BUNDLE. AWS_ENDPOINT_URL_STS overrides the endpoint.';

/**
 * How the gate reads a failure of the web identity step: STS's refusals are final with
 * their own fixes, its throttling and outages are transient (retried inside the run's
 * deadline, as RegisterUsage's are), and a token file that cannot be read is final.
 */
export function classifyStsError(error: unknown, irsa: IrsaContext): Classification {
  if (isGateError(error)) return { kind: 'final', code: error.code, reason: error.message, hint: error.hint, detail: error.detail };
  const shape = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const message = typeof shape.message === 'string' ? shape.message.split('\n')[0]!.slice(0, 300) : '';
  const described = `${name}${status ? ` (HTTP ${status})` : ''}: ${message || 'no message'}`;

  if (typeof shape.code === 'string' && FILE_ERRORS.has(shape.code)) {
    return {
      kind: 'final',
      code: 'CREDENTIALS_UNAVAILABLE',
      reason: `${irsaConfigured(irsa)}, but the token file cannot be read (${shape.code})`,
      hint: 'check the projected service account token volume (eks.amazonaws.com/serviceaccount) and that the container user can read it (fsGroup, or runAsUser matching the volume).',
    };
  }
  const refusal = Object.hasOwn(STS_REFUSALS, name) ? STS_REFUSALS[name] : undefined;
  if (refusal) {
    return { kind: 'final', code: 'ACCESS_DENIED', reason: `${irsaConfigured(irsa)}, but STS refused AssumeRoleWithWebIdentity: ${described}`, hint: refusal(irsa, readWebIdentityClaims(irsa.tokenFile)) };
  }
  if (STS_TRANSIENT.has(name)) return { kind: 'transient', reason: `STS ${described}`, throttled: name === 'Throttling' };

  const generic = classifyCallError(error);
  if (generic.kind === 'transient') return { ...generic, reason: `STS ${generic.reason}` };
  // TLS, proxy refusals and wrong endpoints, as the network layer names them (src/net): their own code and fix.
  if (error instanceof NetFailure) return { ...generic, reason: `${irsaConfigured(irsa)}, but the STS call failed: ${generic.reason}` };
  // Any other answer is STS refusing, or something that is not STS answering: neither gets
  // better by waiting, and neither is a token or product problem of RegisterUsage's.
  const notSts = status !== undefined && status < 300;
  return {
    kind: 'final',
    code: 'CREDENTIALS_UNAVAILABLE',
    reason: notSts
      ? `${irsaConfigured(irsa)}, but ${irsa.stsEndpoint()} answered HTTP ${status} with something that is not an STS answer: ${described}`
      : `${irsaConfigured(irsa)}, but STS refused AssumeRoleWithWebIdentity: ${described}`,
    hint: notSts ? `check AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL and any proxy: ${irsa.stsEndpoint()} must be the STS API.` : 'see "IRSA and STS" under Troubleshooting in the README.',
  };
}
