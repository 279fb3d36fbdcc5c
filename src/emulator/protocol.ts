// The awsJson1_1 RegisterUsage endpoint, independent of sockets: a received request goes
// in, a decided reply comes out. Checks run in the order the real front door and service
// apply them, so a request failing several gets the error AWS would pick first.
import type { IncomingHttpHeaders } from 'node:http';
import { ERRORS, errorBody, type AwsError } from './errors.js';
import type { Outcome } from './scenarios.js';
import { checkAuthorization, verifySignature } from './sigv4.js';
import type { IssuedCredentials } from './sts.js';
import { mintToken, type RequestClaims, type SigningKeys } from './tokens.js';
import { validateRegisterUsage } from './validate.js';

export const SIGNING_NAME = 'aws-marketplace';
export const TARGET = 'AWSMPMeteringService.RegisterUsage';
export const CONTENT_TYPE = 'application/x-amz-json-1.1';

export type Reply =
  | { kind: 'json'; status: number; body: unknown; errorType: string | null }
  | { kind: 'raw'; status: number; body: string }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface ProtocolRequest {
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProtocolContext {
  keys: SigningKeys;
  taskRegion?: string;
  secretAccessKey?: string;
  /** Credentials STS issued (AssumeRoleWithWebIdentity): a request signed with one is verified with its secret and session token. */
  issued?: ReadonlyMap<string, IssuedCredentials>;
  /** IRSA mode (the emulator was given a web identity token): only STS-issued credentials are accepted. */
  requireStsCredentials?: boolean;
  /** Global rate limiter from the `rate`/`burst` options; false means throttle. */
  admit?: () => boolean;
  /** The current scenario's next decision. */
  next: () => Outcome;
}

/** What the request log keeps about the caller, filled in as far as the request got. */
export interface RequestFacts {
  target: string | null;
  region: string | null;
  service: string | null;
  accessKeyId: string | null;
  /** Signed with credentials this emulator's STS issued (their secret and session token checked). */
  stsIssued: boolean;
  body: unknown;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

export function failure(error: AwsError): Reply {
  return { kind: 'json', status: ERRORS[error.type].status, body: errorBody(error), errorType: error.type };
}

export async function handleRegisterUsage(req: ProtocolRequest, ctx: ProtocolContext): Promise<{ reply: Reply; facts: RequestFacts }> {
  const targetHeader = req.headers['x-amz-target'];
  const target = (Array.isArray(targetHeader) ? targetHeader[0] : targetHeader) ?? null;
  const parsedBody = req.body.length === 0 ? { ok: true as const, value: null } : parseJson(req.body);
  const facts: RequestFacts = { target, region: null, service: null, accessKeyId: null, stsIssued: false, body: parsedBody.ok ? parsedBody.value : req.body.toString('utf8') };
  const done = (reply: Reply) => ({ reply, facts });

  const auth = checkAuthorization(req.headers, SIGNING_NAME);
  const scope = auth.ok ? auth.auth.scope : auth.scope;
  facts.region = scope?.region ?? null;
  facts.service = scope?.service ?? null;
  facts.accessKeyId = scope?.accessKeyId ?? null;
  if (!auth.ok) return done(failure(auth.error));
  const issued = ctx.issued?.get(auth.auth.scope.accessKeyId);
  if (issued) {
    const bad = checkIssued(req, issued) ?? verifySignature(req, auth.auth, issued.secretAccessKey);
    if (bad) return done(failure(bad));
    facts.stsIssued = true;
  } else if (ctx.requireStsCredentials && ctx.secretAccessKey === undefined) {
    return done(failure({ type: 'UnrecognizedClientException' }));
  } else if (ctx.secretAccessKey !== undefined) {
    const bad = verifySignature(req, auth.auth, ctx.secretAccessKey);
    if (bad) return done(failure(bad));
  }

  if (target !== TARGET) return done(failure({ type: 'UnknownOperationException', message: target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header' }));
  if (!parsedBody.ok) return done(failure({ type: 'SerializationException', message: 'Request body is not valid JSON' }));
  const valid = validateRegisterUsage(parsedBody.value ?? {});
  if (!valid.ok) return done(failure(valid.error));

  const region = auth.auth.scope.region;
  if (ctx.taskRegion !== undefined && region !== ctx.taskRegion) {
    return done(failure({ type: 'InvalidRegionException', message: `RegisterUsage must be called in the same AWS Region the ECS task was launched in: called in ${region}, task runs in ${ctx.taskRegion}.` }));
  }
  if (ctx.admit && !ctx.admit()) return done(failure({ type: 'ThrottlingException' }));

  return done(await answer(ctx.next(), valid.input, ctx.keys));
}

/** As AWS treats a session: the token must travel with its key, and the key dies with its expiration. */
function checkIssued(req: ProtocolRequest, issued: IssuedCredentials): AwsError | null {
  const token = req.headers['x-amz-security-token'];
  if ((Array.isArray(token) ? token[0] : token) !== issued.sessionToken) return { type: 'UnrecognizedClientException' };
  if (issued.expiration.getTime() <= Date.now()) return { type: 'ExpiredTokenException' };
  return null;
}

async function answer(outcome: Outcome, input: RequestClaims, keys: SigningKeys): Promise<Reply> {
  switch (outcome.kind) {
    case 'error':
      return failure(outcome.error);
    case 'hang':
    case 'reset':
      return { kind: outcome.kind };
    case 'malformed':
      // A truncated body: the HTTP exchange succeeds, the JSON does not parse.
      return { kind: 'raw', status: 200, body: '{"Signature": "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.' };
    case 'token': {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const Signature = await mintToken(outcome.variant, { claims: input, nowSeconds, keys });
      // An expired key version is reported with the time it expired: yesterday, here.
      const body = outcome.rotation ? { Signature, PublicKeyRotationTimestamp: nowSeconds - 86_400 } : { Signature };
      return { kind: 'json', status: 200, body, errorType: null };
    }
  }
}
