// A projected service account token as the kubelet writes it for IRSA: a JWT whose payload
// names the cluster's OIDC issuer, the service account (sub) and the STS audience. STS (here
// the emulator's) is what checks it; its signature is random bytes of the right shape.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const IRSA_ROLE_ARN = 'arn:aws:iam::123456789012:role/metering-gate-irsa';
export const IRSA_SUB = 'system:serviceaccount:shop:metering-gate';
export const IRSA_AUD = 'sts.amazonaws.com';
export const IRSA_ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

const segment = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function webIdentityToken({ sub = IRSA_SUB, aud = [IRSA_AUD], iss = IRSA_ISSUER, expiresInSeconds = 86_400 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { aud, exp: now + expiresInSeconds, iat: now, iss, 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'metering-gate' } }, nbf: now, sub };
  return `${segment({ alg: 'RS256', kid: 'emulator' })}.${segment(payload)}.${randomBytes(256).toString('base64url')}`;
}

/** Writes a token into dir and returns its path and text. */
export function writeWebIdentityToken(dir, options) {
  const token = webIdentityToken(options);
  const path = join(dir, 'token');
  writeFileSync(path, token);
  return { path, token };
}
