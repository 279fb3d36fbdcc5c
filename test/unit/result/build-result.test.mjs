// buildResult: entitlement.json's content from what a run learned and how it ended; the GRACE
// rule, the exit code, stoppedBy and the times come from its inputs alone (a fixed clock here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { buildResult, terminationMessage } = await importSource('result/build-result');
const { GateError, terminated } = await importSource('errors');

const times = { startedAt: Date.UTC(2026, 0, 2, 3, 4, 5), finishedAt: Date.UTC(2026, 0, 2, 3, 4, 5) + 1_234 };
const config = { productCode: 'prod-1', publicKeyVersion: 1, nonce: 'config-nonce', onUnavailable: 'deny' };
const entitledRun = {
  config,
  region: { region: 'eu-west-1', source: 'ecs-task-metadata' },
  platform: 'ecs-fargate',
  credentialSource: 'container',
  nonce: 'bound-nonce',
  binding: { kind: 'ecs-task', id: 'arn:aws:ecs:eu-west-1:111122223333:task/c/abc' },
  answer: { signature: 'a.b.c', publicKeyRotationTimestamp: new Date(Date.UTC(2026, 0, 1)) },
  verified: { claims: { productCode: 'prod-1' }, signatureVerified: true },
  warnings: ['one warning'],
  stats: { attempts: 1, lastTransientReason: null, stoppedBy: null },
};
const unavailable = () => new GateError('SERVICE_UNAVAILABLE', 'no usable answer before the deadline');

test('an entitled run: ENTITLED, exit 0, everything the run learned, the times from the clock', () => {
  const result = buildResult(entitledRun, null, times);
  assert.deepEqual(
    { ...result, gateVersion: undefined },
    {
      schemaVersion: 1,
      status: 'ENTITLED',
      entitled: true,
      exitCode: 0,
      errorCode: null,
      message: null,
      hint: null,
      productCode: 'prod-1',
      publicKeyVersion: 1,
      nonce: 'bound-nonce',
      binding: entitledRun.binding,
      region: 'eu-west-1',
      regionSource: 'ecs-task-metadata',
      platform: 'ecs-fargate',
      credentialSource: 'container',
      signature: 'a.b.c',
      signatureVerified: true,
      claims: { productCode: 'prod-1' },
      publicKeyRotationTimestamp: '2026-01-01T00:00:00.000Z',
      warnings: ['one warning'],
      attempts: 1,
      stoppedBy: null,
      startedAt: '2026-01-02T03:04:05.000Z',
      finishedAt: '2026-01-02T03:04:06.234Z',
      durationMs: 1_234,
      gateVersion: undefined,
    },
  );
  assert.equal(typeof result.gateVersion, 'string');
  assert.equal(terminationMessage(result), 'metering-gate: ENTITLED for product prod-1 in eu-west-1.');
});

test('GRACE only for an outage under --on-unavailable allow after at least one attempt', () => {
  const allow = { ...entitledRun, config: { ...config, onUnavailable: 'allow' }, answer: null, verified: null, stats: { attempts: 3, lastTransientReason: 'x', stoppedBy: 'deadline' } };
  const grace = buildResult(allow, unavailable(), times);
  assert.deepEqual([grace.status, grace.entitled, grace.exitCode, grace.errorCode, grace.stoppedBy], ['GRACE', false, 0, 'SERVICE_UNAVAILABLE', 'deadline']);

  const neverAsked = buildResult({ ...allow, stats: { attempts: 0, lastTransientReason: null, stoppedBy: 'deadline' } }, unavailable(), times);
  assert.deepEqual([neverAsked.status, neverAsked.exitCode], ['ERROR', 6]);
  const denied = buildResult({ ...allow, config }, unavailable(), times);
  assert.deepEqual([denied.status, denied.exitCode], ['ERROR', 6]);
  const otherFailure = buildResult(allow, new GateError('ACCESS_DENIED', 'denied'), times);
  assert.deepEqual([otherFailure.status, otherFailure.exitCode], ['ERROR', 8]);
});

test('a refusal is NOT_ENTITLED with exit 3 and its fix; the termination paragraph carries both', () => {
  const refused = buildResult({ ...entitledRun, answer: null, verified: null }, new GateError('CUSTOMER_NOT_ENTITLED', 'not subscribed'), times);
  assert.deepEqual([refused.status, refused.entitled, refused.exitCode, refused.message, refused.signature], ['NOT_ENTITLED', false, 3, 'not subscribed', null]);
  assert.equal(terminationMessage(refused), `metering-gate: NOT_ENTITLED (CUSTOMER_NOT_ENTITLED, exit 3): not subscribed Fix: ${refused.hint}`);
});

test('a stop by signal says so, with the signal\'s exit code, whatever the retry stats say', () => {
  const stopped = buildResult({ ...entitledRun, stats: { attempts: 1, lastTransientReason: null, stoppedBy: 'attempt-timeout' } }, terminated('SIGTERM'), times);
  assert.deepEqual([stopped.status, stopped.exitCode, stopped.stoppedBy, stopped.errorCode], ['ERROR', 143, 'signal', 'TERMINATED']);
});

test('a run that failed before its config was read still has a result: nothing learned, platform unknown', () => {
  const early = buildResult(
    { config: null, region: null, platform: null, credentialSource: null, nonce: null, binding: null, answer: null, verified: null, warnings: [], stats: { attempts: 0, lastTransientReason: null } },
    new GateError('CONFIG_INVALID', 'missing --product-code'),
    times,
  );
  assert.deepEqual(
    [early.status, early.exitCode, early.productCode, early.nonce, early.platform, early.region, early.stoppedBy, early.attempts],
    ['ERROR', 2, null, null, 'unknown', null, null, 0],
  );
});
