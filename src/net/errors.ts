import type { ErrorCode } from '../errors.js';

/**
 * Failures the network layer recognises, for Metering and STS alike: each is final (waiting
 * cannot fix it) and carries the host, so that the message can say where it happened.
 */
export type NetFailureKind = 'tls' | 'proxy-refused' | 'too-large' | 'not-protocol';

export class NetFailure extends Error {
  readonly kind: NetFailureKind;
  readonly host: string;
  /** The API the endpoint was meant to be: which "not that API" code a wrong answer gets. */
  readonly api: 'metering' | 'sts';

  constructor(kind: NetFailureKind, host: string, message: string, options: { cause?: unknown; api?: 'metering' | 'sts' } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetFailure';
    this.kind = kind;
    this.host = host;
    this.api = options.api ?? 'metering';
  }
}

/** Largest answer body accepted from Metering or STS; their real answers are a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export const NETWORK_SETTINGS_HINT =
  'if the endpoint is reached through a TLS-inspecting proxy or has a certificate from a private CA, give that CA as a PEM file with AWS_CA_BUNDLE (or --ca-bundle / METERING_GATE_CA_BUNDLE); check HTTPS_PROXY, NO_PROXY and --endpoint-url. A certificate failure can be an interception, so it is never retried and never starts in GRACE.';

const PROXY_HINT =
  'the egress proxy refused to open a tunnel to AWS: check the user and password in HTTPS_PROXY (http://user:password@proxy:port, URL-encoded), and that the proxy allows CONNECT to the Metering and STS host names on port 443; or list the host in NO_PROXY if it should be reached directly (e.g. through a VPC endpoint).';

const ENDPOINT_HINT =
  'check --endpoint-url, METERING_GATE_ENDPOINT_URL, AWS_ENDPOINT_URL_MARKETPLACE_METERING and AWS_ENDPOINT_URL: unset them to use AWS, or point them at the Metering API (an interface VPC endpoint for com.amazonaws.<region>.metering.marketplace needs no URL with private DNS on); if a proxy or firewall answers in its place, see HTTPS_PROXY and NO_PROXY.';

const STS_ENDPOINT_HINT =
  'check AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL (and sts_endpoint_url / endpoint_url in the AWS config file): unset them to use the regional STS endpoint the SDK picks (sts.<region>.amazonaws.com), or point them at STS itself (an interface VPC endpoint for com.amazonaws.<region>.sts needs no URL with private DNS on); if a proxy or firewall answers in its place, see HTTPS_PROXY and NO_PROXY.';

/** What Node and OpenSSL call each certificate problem, in words an operator can act on. */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not signed by a trusted CA (unable to verify the first certificate)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is not signed by a trusted CA (issuer not found)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is not signed by a trusted CA (issuer not found locally)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a CA that is not trusted (self-signed certificate in chain)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted',
  CERT_UNTRUSTED: 'the certificate is not trusted',
  CERT_REJECTED: 'the certificate is rejected',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet (check the clock)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not for this host name (host name mismatch)',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  CERT_REVOKED: 'the certificate is revoked',
  INVALID_CA: 'a CA certificate in the chain is invalid',
  INVALID_PURPOSE: 'the certificate may not be used for a TLS server',
  PATH_LENGTH_EXCEEDED: 'the certificate chain is longer than its CA allows',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'the certificate signature cannot be read',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: "the issuer's public key cannot be read",
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'the certificate has an invalid validity period',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'the certificate has an invalid validity period',
};

/** The certificate or TLS protocol problem a socket error reports, or null when it is no TLS failure. */
export function tlsProblem(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (Object.hasOwn(CERTIFICATE_PROBLEMS, code)) return `${CERTIFICATE_PROBLEMS[code]} [${code}]`;
  // A handshake that fails on protocol grounds (plain HTTP on a TLS port, no common cipher) is as final as a bad certificate.
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return `the TLS handshake failed: ${String((error as Error).message).split('\n')[0]?.slice(0, 200)} [${code}]`;
  return null;
}

export interface NetClassification {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly hint: string;
}

/** Final network failures, with the gate's error code and hint; null for anything else (the caller classifies it). */
export function classifyNetFailure(error: unknown): NetClassification | null {
  if (!(error instanceof NetFailure)) return null;
  switch (error.kind) {
    case 'tls':
      return { code: 'TLS_UNTRUSTED', reason: error.message, hint: NETWORK_SETTINGS_HINT };
    case 'proxy-refused':
      return { code: 'PROXY_REFUSED', reason: error.message, hint: PROXY_HINT };
    case 'too-large':
    case 'not-protocol':
      return error.api === 'sts'
        ? { code: 'ENDPOINT_NOT_STS', reason: error.message, hint: STS_ENDPOINT_HINT }
        : { code: 'ENDPOINT_NOT_METERING', reason: error.message, hint: ENDPOINT_HINT };
  }
}
