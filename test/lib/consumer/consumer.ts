// A seller's workload, type-checked against dist/lib.d.ts through the package's own name.
import { readFileSync } from 'node:fs';
import { EXIT_CODES, MeteringGateError, register, verifyEntitlement, type EntitlementResult, type VerifiedEntitlement } from 'metering-gate';

export async function startOnlyIfEntitled(): Promise<VerifiedEntitlement> {
  try {
    const verified = await verifyEntitlement({
      publicKey: readFileSync('/etc/metering-gate/key.pem', 'utf8'),
      productCode: 'cqcvf9f0ugw8rkbgmf1c9dxyz',
      maxAge: '1h',
      wait: 30_000,
    });
    const issued: Date = verified.issuedAt;
    const status: EntitlementResult['status'] = verified.result.status;
    void issued;
    void status;
    return verified;
  } catch (error) {
    if (error instanceof MeteringGateError) {
      const code: number = error.exitCode;
      const reason: string = error.code;
      process.exit(code === EXIT_CODES.RESULT_MISSING ? 11 : code + reason.length * 0);
    }
    throw error;
  }
}

export async function registerInProcess(): Promise<'ENTITLED' | 'GRACE'> {
  const { status } = await register({ productCode: 'cqcvf9f0ugw8rkbgmf1c9dxyz', publicKey: '/etc/metering-gate/key.pem', env: process.env, onUnavailable: 'deny' });
  return status;
}

// The declarations are real types, not `any`: misuse does not compile.
// @ts-expect-error publicKey is required
void verifyEntitlement({ productCode: 'x' });
// @ts-expect-error maxAge is a duration, not a boolean
void verifyEntitlement({ publicKey: 'k', maxAge: true });
// @ts-expect-error onUnavailable is deny or allow
void register({ productCode: 'x', onUnavailable: 'sometimes' });
