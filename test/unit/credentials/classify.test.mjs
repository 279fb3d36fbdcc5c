// classifyStsError on STS's own exception classes (as the SDK's STS client throws them for
// IRSA): refusals are final with a fix that names the trust policy or the OIDC provider from
// the token's claims, outages and IDPCommunicationError are retried, an unreadable token file is final.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDPCommunicationErrorException, InvalidIdentityTokenException, STSServiceException } from '@aws-sdk/nested-clients/sts';
import { importSource } from '../../helpers/src-module.mjs';
import { IRSA_AUD, IRSA_ISSUER, IRSA_ROLE_ARN, IRSA_SUB, writeWebIdentityToken } from '../../helpers/irsa.mjs';

const { classifyStsError } = await importSource('credentials/classify');

const { path: tokenFile, token } = writeWebIdentityToken(mkdtempSync(join(tmpdir(), 'gate-sts-classify-')));
const irsa = { roleArn: IRSA_ROLE_ARN, tokenFile, stsEndpoint: () => 'https://sts.us-east-1.amazonaws.com' };
const meta = (httpStatusCode) => ({ $metadata: { httpStatusCode } });

test('AccessDenied: final, and the fix names the trust policy conditions from the token\'s claims, never the token', () => {
  const denied = new STSServiceException({ name: 'AccessDenied', $fault: 'client', ...meta(403), message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
  const classified = classifyStsError(denied, irsa);
  assert.deepEqual([classified.kind, classified.code], ['final', 'ACCESS_DENIED']);
  assert.match(classified.reason, /^IRSA is configured \(AWS_ROLE_ARN arn:aws:iam::123456789012:role\/metering-gate-irsa, token file .*\), but STS refused AssumeRoleWithWebIdentity: AccessDenied \(HTTP 403\)/);
  const issuer = IRSA_ISSUER.replace('https://', '');
  assert.ok(classified.hint.includes(`${issuer}:sub = ${JSON.stringify(IRSA_SUB)}`), classified.hint);
  assert.ok(classified.hint.includes(`${issuer}:aud = ${JSON.stringify(IRSA_AUD)}`), classified.hint);
  assert.ok(!classified.hint.includes(token.split('.')[1]) && !classified.reason.includes(token.split('.')[1]), 'the token itself is never shown');
});

test('InvalidIdentityToken: final, the fix is the OIDC provider and the audience', () => {
  const classified = classifyStsError(new InvalidIdentityTokenException({ ...meta(400), message: 'No OpenIDConnect provider found' }), irsa);
  assert.deepEqual([classified.kind, classified.code], ['final', 'ACCESS_DENIED']);
  assert.match(classified.hint, /OIDC provider/);
  assert.ok(classified.hint.includes(IRSA_ISSUER));
});

test('IDPCommunicationError, throttling and 5xx are transient', () => {
  const idp = classifyStsError(new IDPCommunicationErrorException({ ...meta(400), message: 'issuer unreachable' }), irsa);
  assert.deepEqual(idp, { kind: 'transient', reason: 'STS IDPCommunicationErrorException (HTTP 400): issuer unreachable', throttled: false });
  const throttled = classifyStsError(new STSServiceException({ name: 'Throttling', $fault: 'client', ...meta(400), message: 'Rate exceeded' }), irsa);
  assert.deepEqual([throttled.kind, throttled.throttled], ['transient', true]);
  const outage = classifyStsError(new STSServiceException({ name: 'ServiceUnavailable', $fault: 'server', ...meta(503), message: 'down' }), irsa);
  assert.equal(outage.kind, 'transient');
  assert.match(outage.reason, /^STS /);
});

test('a token file that cannot be read is final CREDENTIALS_UNAVAILABLE, naming the code, not the path\'s content', () => {
  const missing = Object.assign(new Error(`ENOENT: no such file or directory, open '${tokenFile}.gone'`), { code: 'ENOENT' });
  const classified = classifyStsError(missing, irsa);
  assert.deepEqual([classified.kind, classified.code], ['final', 'CREDENTIALS_UNAVAILABLE']);
  assert.match(classified.reason, /but the token file cannot be read \(ENOENT\)$/);
});

test('a 2xx that is not an STS answer is named as such, not taken for STS refusing', () => {
  const notSts = classifyStsError(new STSServiceException({ name: 'Unknown', $fault: 'client', ...meta(200), message: 'html' }), irsa);
  assert.deepEqual([notSts.kind, notSts.code], ['final', 'CREDENTIALS_UNAVAILABLE']);
  assert.match(notSts.reason, /answered HTTP 200 with something that is not an STS answer/);
});
