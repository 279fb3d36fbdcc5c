/**
 * The rehearsal of the startup snapshot's build (entry.ts): the pure parts of a run, with
 * made-up values, so that a start from the snapshot neither compiles nor initialises them again.
 */
import nodeCrypto from 'node:crypto';

/** commander reads argv in Node's shape: node, script, then the arguments. */
export const SCRIPT_NAME = 'metering-gate';

/**
 * One pass through the parts of a run that touch neither the network nor this machine, with
 * made-up values only, so their code is compiled into the snapshot. Nothing it creates is kept.
 */
export async function rehearse(): Promise<void> {
  const [{ buildProgram, prepareProgram }, { parseLogConfig }, { prepareLogger }, { parseRegisterConfig }, { rehearseRegisterUsage }, { verifyToken }] = await Promise.all([
    import('../cli/program.js'),
    import('../config/log-config.js'),
    import('../log/logger.js'),
    import('../config/register-config.js'),
    import('../metering/register-usage.js'),
    import('../verify/token.js'),
  ]);
  buildProgram(() => undefined).parse(['node', SCRIPT_NAME, 'register', '--product-code', 'snapshotbuild', '--log-level', 'info']);
  // After the parse above, which took a program of its own: the one prepared here is never parsed.
  prepareProgram();

  const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const env = {
    METERING_GATE_PRODUCT_CODE: 'snapshotbuild',
    METERING_GATE_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    METERING_GATE_NONCE: 'snapshot-build',
    METERING_GATE_OUTPUT_DIR: '/nonexistent/metering-gate',
    METERING_GATE_TERMINATION_LOG: '/nonexistent/termination-log',
    // Given, so that config does not ask the OS for the build user's home directory.
    HOME: '/nonexistent/home',
  };
  parseLogConfig({}, env, false);
  prepareLogger();
  const config = parseRegisterConfig({}, env);
  await rehearseRegisterUsage();
  await rehearseWebIdentity();

  // A token as the emulator mints it. Its iat is fixed (Date.now is guarded), and the age
  // limits are wide enough for it: this checks the code path, not the clock.
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${segment({ alg: 'PS256', typ: 'JWT' })}.${segment({ productCode: 'snapshotbuild', publicKeyVersion: 1, nonce: 'snapshot-build', iat: 1_700_000_000 })}`;
  const signature = nodeCrypto.sign('sha256', Buffer.from(signed), { key: privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const now = 1_700_000_000_000;
  await verifyToken(`${signed}.${signature.toString('base64url')}`, config.publicKey?.key ?? null, {
    productCode: 'snapshotbuild',
    publicKeyVersion: 1,
    nonce: 'snapshot-build',
    maxAgeMs: 60_000,
    clockSkewMs: 60_000,
    now,
  });
}

/**
 * One STS AssumeRoleWithWebIdentity as IRSA's link makes it (fromTokenFile, through the SDK's own
 * role assumer), against a canned answer: constructing the STS client and parsing its XML answer
 * would otherwise be compiled in every IRSA start. Every setting the client would look up (in
 * the environment, or the shared files) is given, and nothing made here is kept.
 */
async function rehearseWebIdentity(): Promise<void> {
  const [{ getDefaultRoleAssumerWithWebIdentity }, { rehearsalClientSettings }] = await Promise.all([import('@aws-sdk/nested-clients/sts'), import('../metering/register-usage.js')]);
  const body = new TextEncoder().encode(
    '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
      '<Credentials><AccessKeyId>AKIDSNAPSHOTBUILD</AccessKeyId><SecretAccessKey>snapshot-build</SecretAccessKey><SessionToken>snapshot-build</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>' +
      '<AssumedRoleUser><AssumedRoleId>AROASNAPSHOTBUILD:snapshot-build</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/snapshot-build/snapshot-build</Arn></AssumedRoleUser>' +
      '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>snapshot-build</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>',
  );
  // The gate's clientConfig reaches the STS client whole (spread), beyond what the assumer's type names.
  const stsOptions = rehearsalClientSettings('text/xml', body);
  // As in rehearseRegisterUsage: recursion detection asks @aws/lambda-invoke-store, which loads at run time only.
  const assume = getDefaultRoleAssumerWithWebIdentity(stsOptions, [{ applyToStack: (stack) => void stack.remove('recursionDetectionMiddleware') }]);
  const credentials = await assume({ RoleArn: 'arn:aws:iam::123456789012:role/snapshot-build', RoleSessionName: 'snapshot-build', WebIdentityToken: 'snapshot-build' });
  if (credentials.accessKeyId !== 'AKIDSNAPSHOTBUILD') throw new Error('the rehearsed AssumeRoleWithWebIdentity did not return the canned credentials');
}
