// classifyCallError on the SDK's own exception classes (as the Metering client throws them)
// and on Node's socket errors: which failures are final with which code, which are retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CustomerNotEntitledException,
  InternalServiceErrorException,
  InvalidPublicKeyVersionException,
  InvalidRegionException,
  MarketplaceMeteringServiceException,
  PlatformNotSupportedException,
  ThrottlingException,
} from '@aws-sdk/client-marketplace-metering';
import { importSource } from '../../helpers/src-module.mjs';

const { classifyCallError } = await importSource('metering/classify');

const meta = (httpStatusCode) => ({ $metadata: { httpStatusCode } });
const unmodelled = (name, httpStatusCode, message = 'from the wire') =>
  new MarketplaceMeteringServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', ...meta(httpStatusCode), message });

test('modelled refusals are final, each with its code and its own fix', () => {
  const cases = [
    [new CustomerNotEntitledException({ ...meta(400), message: 'not subscribed' }), 'CUSTOMER_NOT_ENTITLED', 'CustomerNotEntitledException (HTTP 400): not subscribed'],
    [new PlatformNotSupportedException({ ...meta(400), message: 'not here' }), 'PLATFORM_NOT_SUPPORTED', 'PlatformNotSupportedException (HTTP 400): not here'],
    [new InvalidRegionException({ ...meta(400), message: 'wrong region' }), 'INVALID_REGION', 'InvalidRegionException (HTTP 400): wrong region'],
    [new InvalidPublicKeyVersionException({ ...meta(400), message: 'v9' }), 'PRODUCT_REJECTED', 'InvalidPublicKeyVersionException (HTTP 400): v9'],
  ];
  for (const [error, code, reason] of cases) {
    const classified = classifyCallError(error);
    assert.deepEqual([classified.kind, classified.code, classified.reason], ['final', code, reason]);
    assert.equal(typeof classified.hint, 'string', code);
  }
  assert.match(classifyCallError(new InvalidPublicKeyVersionException({ ...meta(400), message: 'v9' })).hint, /--public-key-version/);
});

test('throttling and server faults are transient; throttling is marked so the backoff waits longer', () => {
  assert.deepEqual(classifyCallError(new ThrottlingException({ ...meta(400), message: 'slow down' })), { kind: 'transient', reason: 'ThrottlingException (HTTP 400): slow down', throttled: true });
  assert.deepEqual(classifyCallError(unmodelled('Whatever', 429)), { kind: 'transient', reason: 'Whatever (HTTP 429): from the wire', throttled: true });
  assert.deepEqual(classifyCallError(new InternalServiceErrorException({ ...meta(500), message: 'try again' })), {
    kind: 'transient',
    reason: 'InternalServiceErrorException (HTTP 500): try again',
    throttled: false,
  });
  assert.deepEqual(classifyCallError(unmodelled('Unknown', 503)), { kind: 'transient', reason: 'Unknown (HTTP 503): from the wire', throttled: false });
});

test('Node socket errors are transient and keep their code; a failure without any status is retried', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.deepEqual(classifyCallError(refused), { kind: 'transient', reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9', throttled: false });
  assert.equal(classifyCallError(new Error('socket hang up')).kind, 'transient');
});

test('unmodelled client answers: 401/403 are ACCESS_DENIED, a 2xx that is no answer TOKEN_INVALID, the rest INTERNAL', () => {
  const denied = classifyCallError(unmodelled('Forbidden', 403));
  assert.deepEqual([denied.kind, denied.code], ['final', 'ACCESS_DENIED']);
  const unreadable = classifyCallError(Object.assign(new SyntaxError('Unexpected token < in JSON'), meta(200)));
  assert.deepEqual([unreadable.kind, unreadable.code, unreadable.reason], ['final', 'TOKEN_INVALID', 'the response could not be read as a RegisterUsage answer: Unexpected token < in JSON']);
  const odd = classifyCallError(unmodelled('NoSuchThing', 404));
  assert.deepEqual([odd.kind, odd.code, odd.reason], ['final', 'INTERNAL', 'unexpected service error NoSuchThing (HTTP 404): from the wire']);
  assert.equal(odd.hint, undefined, 'the code\'s default hint applies');
});

test('what the wire sends cannot reach Object\'s prototype or print [object Object]', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const classified = classifyCallError(unmodelled(name, 400));
    assert.deepEqual([classified.kind, classified.code], ['final', 'INTERNAL'], name);
  }
  const objectMessage = classifyCallError(Object.assign(new Error(), { name: 'Weird', message: { nested: true }, ...meta(400) }));
  assert.equal(objectMessage.reason, 'unexpected service error Weird (HTTP 400): {"nested":true}');
});
