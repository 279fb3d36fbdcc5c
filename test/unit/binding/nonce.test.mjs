// The binding commitment: a nonce made for one pod or task checks out for it and for nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { boundNonce, checkBinding, boundKindOf } = await importSource('binding/nonce');
const SALT = '2ead20e4-3e6d-42cd-8f56-24f02d1cc4e1';
const POD = { kind: 'kubernetes-pod', id: '6f1c9a52-1d0e-4d7b-9a51-6b3f2b7c0a11' };
const TASK = { kind: 'ecs-task', id: 'arn:aws:ecs:us-east-1:111122223333:task/default/aaaa' };

test('shape: salt, tag, 43-character commitment; at most 255 characters; the identity is not in it', () => {
  for (const identity of [POD, TASK]) {
    const nonce = boundNonce(identity, SALT);
    assert.match(nonce, /^2ead20e4-3e6d-42cd-8f56-24f02d1cc4e1\.(k8s-pod|ecs-task)\.[A-Za-z0-9_-]{43}$/);
    assert.ok(nonce.length <= 255);
    assert.ok(!nonce.includes(identity.id));
    assert.equal(boundKindOf(nonce), identity.kind);
  }
  assert.equal(boundNonce(POD, SALT), boundNonce(POD, SALT), 'deterministic');
  assert.notEqual(boundNonce(POD, SALT), boundNonce(POD, '0b8e4c1f-7a2d-4e6b-8c3a-9d5f1e2a3b44'), 'the salt changes it');
});

test('checks: the same identity passes; another id, another kind or no binding is refused with the reason', () => {
  const nonce = boundNonce(POD, SALT);
  assert.deepEqual(checkBinding(nonce, POD), { ok: true });
  assert.deepEqual(checkBinding(nonce, { ...POD, id: `${POD.id}x` }), { ok: false, reason: 'other-workload', boundKind: 'kubernetes-pod' });
  assert.deepEqual(checkBinding(nonce, TASK), { ok: false, reason: 'other-kind', boundKind: 'kubernetes-pod' });
  assert.deepEqual(checkBinding(SALT, POD), { ok: false, reason: 'unbound', boundKind: null });
  assert.deepEqual(checkBinding(`${SALT}.k8s-node.${'A'.repeat(43)}`, POD), { ok: false, reason: 'unbound', boundKind: null });
  assert.equal(boundKindOf('my-own-nonce'), null);
});

test('an edited commitment or salt does not pass', () => {
  const nonce = boundNonce(TASK, SALT);
  const last = nonce.at(-1) === 'A' ? 'B' : 'A';
  assert.equal(checkBinding(nonce.slice(0, -1) + last, TASK).ok, false);
  assert.equal(checkBinding(nonce.replace('2ead20e4', '2ead20e5'), TASK).ok, false);
});

test('fields cannot run into each other: (kind, id) pairs that concatenate alike commit differently', () => {
  const a = boundNonce({ kind: 'ecs-task', id: 'ab' }, SALT);
  const b = boundNonce({ kind: 'ecs-task', id: 'a' }, SALT);
  assert.notEqual(a.split('.')[2], b.split('.')[2]);
});
