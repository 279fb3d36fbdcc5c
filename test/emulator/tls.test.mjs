// The certificates `emulator --tls` makes, read back with node:crypto's X509Certificate: a CA,
// and a server certificate it signed for the real AWS host names and loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { bundleEntries } from '../../bench/lib/bundle.mjs';

const [bundle] = await bundleEntries(['src/emulator/tls.ts'], 'gate-emulator-tls-');
const { createTlsMaterial } = await import(bundle);

test('a CA, and a server certificate from it for the Metering and STS hosts, localhost and loopback', async () => {
  const material = await createTlsMaterial('eu-central-1');
  const ca = new X509Certificate(material.caPem);
  const leaf = new X509Certificate(material.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'signed by the CA');
  assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
  for (const host of ['metering.marketplace.eu-central-1.amazonaws.com', 'sts.eu-central-1.amazonaws.com', 'localhost']) assert.equal(leaf.checkHost(host), host);
  assert.equal(leaf.checkHost('metering.marketplace.us-east-1.amazonaws.com'), undefined);
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkIP('::1'), '::1');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(material.keyPem)));
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: TLS server');
  assert.ok(Date.parse(leaf.validFrom) < Date.now() && Date.parse(leaf.validTo) > Date.now());
  assert.notEqual(leaf.serialNumber, ca.serialNumber);
});

test('the expired variant: the server certificate ended before now, the CA is still valid', async () => {
  const material = await createTlsMaterial('us-east-1', 'expired');
  const ca = new X509Certificate(material.caPem);
  const leaf = new X509Certificate(material.certPem);
  assert.ok(Date.parse(leaf.validTo) < Date.now());
  assert.ok(Date.parse(ca.validTo) > Date.now());
  assert.ok(leaf.verify(ca.publicKey));
});
