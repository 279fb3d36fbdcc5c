import type { EntitlementResult } from './entitlement.js';

/** POSIX single-quoting: safe for `sh` to source, whatever the value holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The names entitlement.env holds; config knows them, so a workload that sourced the file gets no warning. */
export const RESULT_VARIABLE_NAMES = [
  'METERING_GATE_STATUS',
  'METERING_GATE_ENTITLED',
  'METERING_GATE_EXIT_CODE',
  'METERING_GATE_ERROR_CODE',
  'METERING_GATE_PRODUCT_CODE',
  'METERING_GATE_PUBLIC_KEY_VERSION',
  'METERING_GATE_NONCE',
  'METERING_GATE_REGION',
  'METERING_GATE_PLATFORM',
  'METERING_GATE_SIGNATURE_VERIFIED',
  'METERING_GATE_RESULT_FILE',
] as const;

/** The variables entitlement.env holds and `exec` puts in the child's environment. */
export function resultVariables(result: EntitlementResult, resultFile: string): Record<(typeof RESULT_VARIABLE_NAMES)[number], string> {
  return {
    METERING_GATE_STATUS: result.status,
    METERING_GATE_ENTITLED: String(result.entitled),
    METERING_GATE_EXIT_CODE: String(result.exitCode),
    METERING_GATE_ERROR_CODE: result.errorCode ?? '',
    METERING_GATE_PRODUCT_CODE: result.productCode ?? '',
    METERING_GATE_PUBLIC_KEY_VERSION: result.publicKeyVersion === null ? '' : String(result.publicKeyVersion),
    METERING_GATE_NONCE: result.nonce ?? '',
    METERING_GATE_REGION: result.region ?? '',
    METERING_GATE_PLATFORM: result.platform,
    METERING_GATE_SIGNATURE_VERIFIED: String(result.signatureVerified),
    METERING_GATE_RESULT_FILE: resultFile,
  };
}

export function formatEnvFile(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => `${name}=${shellQuote(value)}\n`)
    .join('');
}
