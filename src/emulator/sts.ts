// STS AssumeRoleWithWebIdentity as IRSA meets it: an awsQuery form POST (unsigned: the web
// identity token is the proof), answered in STS's XML. The credentials it issues are kept, so
// that the RegisterUsage check can verify a signature made with them, and only them.
import { randomBytes, randomUUID } from 'node:crypto';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_TARGET = 'STS.AssumeRoleWithWebIdentity';

/** STS's error codes and the HTTP statuses it sends them with; messages as STS words them. */
const STS_ERRORS = {
  InvalidIdentityToken: { status: 400, type: 'Sender', message: 'Incorrect token audience' },
  AccessDenied: { status: 403, type: 'Sender', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
  ExpiredTokenException: { status: 400, type: 'Sender', message: 'Token expired: current date/time must be before the expiration date/time' },
  IDPCommunicationError: { status: 400, type: 'Sender', message: 'Couldn\'t retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements' },
  Throttling: { status: 400, type: 'Sender', message: 'Rate exceeded' },
  ServiceUnavailable: { status: 503, type: 'Receiver', message: 'Service is unavailable. Please try again later.' },
  ValidationError: { status: 400, type: 'Sender', message: 'Validation failed.' },
  MissingParameter: { status: 400, type: 'Sender', message: 'A required parameter is missing.' },
  InvalidAction: { status: 400, type: 'Sender', message: 'Could not find operation.' },
} as const;

export type StsErrorCode = keyof typeof STS_ERRORS;

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

// --- scenarios --------------------------------------------------------------------------
type StsOutcome = { kind: 'ok' } | { kind: 'error'; code: StsErrorCode };

interface StsScenarioDef {
  name: string;
  description: string;
  /** count: `name:N`, the first N requests get the outcome, then STS answers. */
  counted: boolean;
  outcome: StsOutcome;
}

const STS_DEFS: readonly StsScenarioDef[] = [
  { name: 'ok', description: 'credentials for a token that matches the expected one', counted: false, outcome: { kind: 'ok' } },
  { name: 'invalid-identity-token', description: 'InvalidIdentityToken (OIDC provider not registered in IAM, or wrong audience)', counted: false, outcome: { kind: 'error', code: 'InvalidIdentityToken' } },
  { name: 'access-denied', description: 'AccessDenied (the role\'s trust policy does not allow this service account)', counted: false, outcome: { kind: 'error', code: 'AccessDenied' } },
  { name: 'expired-token', description: 'ExpiredTokenException (the projected token has expired)', counted: false, outcome: { kind: 'error', code: 'ExpiredTokenException' } },
  { name: 'throttle', description: 'throttle:N - first N requests Throttling, then ok (no N: always)', counted: true, outcome: { kind: 'error', code: 'Throttling' } },
  { name: 'idp-communication-error', description: 'idp-communication-error:N - first N requests IDPCommunicationError, then ok (no N: always)', counted: true, outcome: { kind: 'error', code: 'IDPCommunicationError' } },
  { name: 'outage', description: 'outage:N - first N requests HTTP 503 ServiceUnavailable, then ok (no N: always)', counted: true, outcome: { kind: 'error', code: 'ServiceUnavailable' } },
];

export const STS_SCENARIOS: readonly { name: string; description: string }[] = STS_DEFS.map(({ name, description }) => ({ name, description }));

export interface StsScenario {
  readonly spec: string;
  next(): StsOutcome;
}

export function parseStsScenario(spec: string): StsScenario {
  const [name = '', ...args] = spec.trim().split(':');
  const def = STS_DEFS.find((d) => d.name === name);
  if (!def) throw new Error(`unknown STS scenario "${spec}"; allowed: ${STS_DEFS.map((d) => d.name).join(', ')}`);
  const count = args.length === 1 ? Number(args[0]) : undefined;
  if (args.length > (def.counted ? 1 : 0) || (count !== undefined && !(args[0]!.trim() !== '' && Number.isInteger(count) && count >= 0))) {
    throw new Error(`invalid STS scenario "${spec}": ${name} ${def.counted ? 'takes :N (a whole number >= 0)' : 'takes no parameters'}`);
  }
  let seen = 0;
  return { spec, next: () => (seen++ < (count ?? Infinity) ? def.outcome : { kind: 'ok' }) };
}

// --- the web identity token -------------------------------------------------------------
/** The claims STS reads; the emulator records these, never the token. */
export interface TokenClaims {
  readonly iss: string | null;
  readonly sub: string | null;
  readonly aud: string | null;
  readonly exp: number | null;
}

export function readTokenClaims(token: string): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof payload !== 'object' || payload === null) return null;
    const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v.join(',') : null);
    return { iss: text(payload['iss']), sub: text(payload['sub']), aud: text(payload['aud']), exp: typeof payload['exp'] === 'number' ? payload['exp'] : null };
  } catch {
    return null;
  }
}

// --- XML --------------------------------------------------------------------------------
const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export function stsErrorXml(code: StsErrorCode, message: string, requestId: string): string {
  const spec = STS_ERRORS[code];
  return `<ErrorResponse xmlns="${STS_NAMESPACE}">
  <Error>
    <Type>${spec.type}</Type>
    <Code>${code}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`;
}

function successXml(fields: { credentials: IssuedCredentials; subject: string; audience: string; provider: string; roleArn: string; sessionName: string; requestId: string; roleId: string }): string {
  const { credentials: c } = fields;
  const [, , , , account = '000000000000', resource = 'role/unknown'] = fields.roleArn.split(':');
  const roleName = resource.split('/').pop() ?? 'unknown';
  return `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>${escapeXml(fields.subject)}</SubjectFromWebIdentityToken>
    <Audience>${escapeXml(fields.audience)}</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>${fields.roleId}:${escapeXml(fields.sessionName)}</AssumedRoleId>
      <Arn>arn:aws:sts::${escapeXml(account)}:assumed-role/${escapeXml(roleName)}/${escapeXml(fields.sessionName)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>
      <SessionToken>${c.sessionToken}</SessionToken>
      <Expiration>${c.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration>
    </Credentials>
    <Provider>${escapeXml(fields.provider)}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${fields.requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
}

// --- the endpoint -----------------------------------------------------------------------
export interface StsReply {
  status: number;
  body: string;
  errorType: string | null;
}

/** What the request log keeps: the call's parameters and the token's claims, never the token. */
export interface StsFacts {
  target: string;
  action: string | null;
  roleArn: string | null;
  roleSessionName: string | null;
  tokenClaims: TokenClaims | null;
  /** The access key id issued, so a test can find the RegisterUsage it signed. */
  issuedAccessKeyId: string | null;
}

export interface StsContext {
  /** The token the caller must present; when unset any JWT-shaped token is accepted. */
  expectedToken?: string;
  scenario: StsScenario;
  /** Where issued credentials are kept for the RegisterUsage signature check. */
  issued: Map<string, IssuedCredentials>;
  now?: () => number;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const upperAlnum = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b & 31]).join('');

export function isStsRequest(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

export function handleSts(body: Buffer, ctx: StsContext): { reply: StsReply; facts: StsFacts } {
  const params = new URLSearchParams(body.toString('utf8'));
  const requestId = randomUUID();
  const get = (name: string) => params.get(name);
  const token = get('WebIdentityToken');
  const claims = token ? readTokenClaims(token) : null;
  const facts: StsFacts = { target: STS_TARGET, action: get('Action'), roleArn: get('RoleArn'), roleSessionName: get('RoleSessionName'), tokenClaims: claims, issuedAccessKeyId: null };
  const fail = (code: StsErrorCode, message: string = STS_ERRORS[code].message) => ({ reply: { status: STS_ERRORS[code].status, body: stsErrorXml(code, message, requestId), errorType: code }, facts });

  if (facts.action !== 'AssumeRoleWithWebIdentity') return fail('InvalidAction', `Could not find operation ${facts.action ?? '(no Action)'} for version ${get('Version') ?? '(no Version)'}`);
  for (const name of ['RoleArn', 'RoleSessionName', 'WebIdentityToken']) {
    if (!get(name)) return fail('MissingParameter', `The request must contain the parameter ${name}`);
  }
  const roleArn = get('RoleArn')!;
  const sessionName = get('RoleSessionName')!;
  if (!ROLE_ARN.test(roleArn)) return fail('ValidationError', `${JSON.stringify(roleArn)} is not a valid role ARN`);
  if (!SESSION_NAME.test(sessionName)) {
    return fail('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const duration = get('DurationSeconds') === null ? 3600 : Number(get('DurationSeconds'));
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) return fail('ValidationError', `Value '${get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);

  const outcome = ctx.scenario.next();
  if (outcome.kind === 'error') {
    if (outcome.code === 'InvalidIdentityToken' && claims?.iss) return fail('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${claims.iss}`);
    return fail(outcome.code);
  }
  // The checks STS makes of the token itself: a JWT, the one this emulator was given, not expired.
  if (!claims) return fail('InvalidIdentityToken', 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  if (ctx.expectedToken !== undefined && token!.trim() !== ctx.expectedToken.trim()) return fail('InvalidIdentityToken', 'The web identity token does not match the one this emulator was given (--web-identity-token-file)');
  const nowMs = (ctx.now ?? Date.now)();
  if (claims.exp !== null && claims.exp * 1000 <= nowMs) {
    return fail('ExpiredTokenException', `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${claims.exp}`);
  }

  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${upperAlnum(16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `IQoJb3JpZ2luX2VtdWxhdG9y${randomBytes(96).toString('base64')}`,
    expiration: new Date(nowMs + duration * 1000),
  };
  ctx.issued.set(credentials.accessKeyId, credentials);
  facts.issuedAccessKeyId = credentials.accessKeyId;
  const issuer = (claims.iss ?? 'oidc.emulator.local').replace(/^https:\/\//, '');
  const account = roleArn.split(':')[4]!;
  return {
    reply: {
      status: 200,
      errorType: null,
      body: successXml({
        credentials,
        subject: claims.sub ?? '',
        audience: claims.aud ?? '',
        provider: `arn:aws:iam::${account}:oidc-provider/${issuer}`,
        roleArn,
        sessionName,
        requestId,
        roleId: `AROA${upperAlnum(17)}`,
      }),
    },
    facts,
  };
}
