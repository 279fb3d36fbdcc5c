/**
 * Every failure metering-gate reports has a stable `code` and one exit code, and this
 * table is the only place that pairs them: the README, the Helm chart's NOTES and the
 * ECS task definitions all promise these numbers.
 */
export const EXIT_CODES = {
  INTERNAL: 1,
  CONFIG_INVALID: 2,
  PRODUCT_CODE_UNTRUSTED: 2,
  // The network between the gate and AWS is set up wrong (README "Private networks"): an operator
  // must change a setting, as with CONFIG_INVALID, and waiting cannot help, so never GRACE.
  TLS_UNTRUSTED: 2,
  PROXY_REFUSED: 2,
  ENDPOINT_NOT_METERING: 2,
  ENDPOINT_NOT_STS: 2,
  CUSTOMER_NOT_ENTITLED: 3,
  PLATFORM_NOT_SUPPORTED: 4,
  TOKEN_INVALID: 5,
  SERVICE_UNAVAILABLE: 6,
  REGION_UNRESOLVED: 7,
  INVALID_REGION: 7,
  CREDENTIALS_UNAVAILABLE: 8,
  ACCESS_DENIED: 8,
  PRODUCT_REJECTED: 9,
  OUTPUT_UNWRITABLE: 10,
  RESULT_MISSING: 11,
  TERMINATED: 143,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

/**
 * The fix for each code when the failure itself knows no better one, so that every failure
 * names a next step (the README's exit-code table shows these). Specific failures pass their
 * own hint, which wins.
 */
export const DEFAULT_HINTS: Readonly<Record<ErrorCode, string>> = {
  INTERNAL: 'this is a bug in metering-gate, not a problem with your setup: report it with the log line above and the gate version; a retry of the pod or task may pass.',
  CONFIG_INVALID: 'fix the flag or environment variable named in the message; `metering-gate <command> --help` lists every option with its allowed values, and `metering-gate doctor` checks them all at once.',
  PRODUCT_CODE_UNTRUSTED: 'use a product code from --trusted-product-codes (METERING_GATE_TRUSTED_PRODUCT_CODES), or add this one to the list if it is yours.',
  TLS_UNTRUSTED: 'the endpoint\'s certificate does not verify: behind a TLS-inspecting proxy or with a private CA, give that CA as a PEM file with AWS_CA_BUNDLE (or --ca-bundle); check HTTPS_PROXY, NO_PROXY and --endpoint-url. Never retried, never GRACE: it may be an interception.',
  PROXY_REFUSED: 'the egress proxy refused the tunnel: check the user and password in HTTPS_PROXY and that the proxy allows CONNECT to the Metering and STS host names on 443, or list the host in NO_PROXY.',
  ENDPOINT_NOT_METERING: 'the endpoint did not answer in the Metering protocol: unset --endpoint-url / AWS_ENDPOINT_URL* or point them at the Metering API; if a proxy or firewall answers in its place, see HTTPS_PROXY and NO_PROXY.',
  ENDPOINT_NOT_STS: 'the STS endpoint did not answer in the STS protocol: unset AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL or point them at STS; if a proxy or firewall answers in its place, see HTTPS_PROXY and NO_PROXY.',
  CUSTOMER_NOT_ENTITLED: 'the AWS account running this workload has no active subscription to the product; subscribe in AWS Marketplace with this account.',
  PLATFORM_NOT_SUPPORTED: 'RegisterUsage works only from ECS, EKS or Fargate; use `metering-gate emulator` to test elsewhere.',
  TOKEN_INVALID: 'check that the public key and --public-key-version are the ones AWS Marketplace issued for this product; for verify, the result file was not written by the gate for this product, so run the gate again rather than editing it.',
  SERVICE_UNAVAILABLE: 'AWS Marketplace Metering did not answer usably before the deadline: check egress to the endpoint (proxy, firewall, DNS) with `metering-gate doctor`, allow a longer --deadline, or start in GRACE with --on-unavailable allow.',
  REGION_UNRESOLVED: 'run in ECS or EKS, where the region is detected, or set AWS_REGION to the region the workload runs in.',
  INVALID_REGION: 'the call must be made in the region the task or pod runs in: remove any --region or hard-coded AWS_REGION and let the gate detect it.',
  CREDENTIALS_UNAVAILABLE: 'on EKS annotate the service account for IRSA (eks.amazonaws.com/role-arn); on ECS give the task a task role.',
  ACCESS_DENIED: 'the role that signs the call (IRSA on EKS, the task role on ECS) needs aws-marketplace:RegisterUsage; see ecs-task-defs/task-role-policy.json.',
  PRODUCT_REJECTED: 'check the product code and --public-key-version against what AWS Marketplace gave you for this product.',
  OUTPUT_UNWRITABLE: 'mount a writable volume at the output directory (an emptyDir or task volume shared with the workload) that the gate\'s user may write, and check that it is not full.',
  RESULT_MISSING: 'the gate has not written its result yet, or writes it elsewhere: run the gate first (init container or dependsOn), point --output-dir or --result at the shared volume, or give --wait time.',
  TERMINATED: 'the gate was stopped by a signal before it finished (the pod or task was stopping); it registers again on the next start.',
};

/** Each code in a few words, for the exit-code lists of --help, which are built from this and EXIT_CODES. */
export const EXIT_SUMMARIES: Readonly<Record<ErrorCode, string>> = {
  INTERNAL: 'internal error (a bug)',
  CONFIG_INVALID: 'bad configuration',
  PRODUCT_CODE_UNTRUSTED: 'untrusted product code',
  TLS_UNTRUSTED: 'untrusted TLS certificate',
  PROXY_REFUSED: 'proxy refused',
  ENDPOINT_NOT_METERING: 'endpoint is not Metering',
  ENDPOINT_NOT_STS: 'endpoint is not STS',
  CUSTOMER_NOT_ENTITLED: 'not entitled',
  PLATFORM_NOT_SUPPORTED: 'platform not supported',
  TOKEN_INVALID: 'token or file invalid',
  SERVICE_UNAVAILABLE: 'service unavailable',
  REGION_UNRESOLVED: 'no region',
  INVALID_REGION: 'wrong region',
  CREDENTIALS_UNAVAILABLE: 'no credentials',
  ACCESS_DENIED: 'access denied',
  PRODUCT_REJECTED: 'product rejected',
  OUTPUT_UNWRITABLE: 'output unwritable',
  RESULT_MISSING: 'no result file',
  TERMINATED: 'terminated',
};

/**
 * Exit codes for the signals the gate stops on: 128 + the signal number, as shells report.
 * SIGHUP (a closed terminal, or a supervisor asking for a stop) is a stop like SIGTERM: the
 * result is still written.
 */
export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * IMDS took the connection but never answered the token request. The region chain and doctor
 * both give this fix; doctor tells the two cases apart by the failure's fields, not this text.
 */
export const HOP_LIMIT_HINT =
  'IMDS took the connection but never answered the token request: the instance metadata hop limit is probably 1, which drops the answer before it reaches a container. Set the hop limit to 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2, or in the launch template), or give the pod AWS_REGION.';

/**
 * What went wrong, as data: `reason` names the case and the other fields are its facts, so that
 * code which must tell failures apart reads these, never the message. The message and the hint
 * are built from them (describeFailure, failureHint). `described` is a failure whose facts have
 * no reader but the operator: its text is all there is to it.
 */
export type FailureDetail =
  | { readonly reason: 'described'; readonly text: string }
  | { readonly reason: 'unexpected'; readonly problem: string }
  | { readonly reason: 'terminated'; readonly signal: StopSignal }
  | { readonly reason: 'aborted'; readonly by: string }
  /** A flag, library option or variable (named as the caller knows it) holds a value that is not allowed. */
  | { readonly reason: 'setting-invalid'; readonly setting: string; readonly shownValue: string; readonly allowed: string }
  | { readonly reason: 'setting-missing'; readonly setting: string; readonly alternatives: readonly string[]; readonly allowed: string }
  | { readonly reason: 'token-refused'; readonly problem: string }
  /** A result file that is not what the gate wrote for this product and workload. */
  | { readonly reason: 'result-unverified'; readonly file: string; readonly problem: string }
  /** waitedMs: it did not appear within the wait; else problem says why it cannot be read. */
  | { readonly reason: 'result-missing'; readonly file: string; readonly waitedMs: number | null; readonly problem: string | null }
  /** A genuine result that records no entitlement: NOT_ENTITLED, GRACE or a gate error. */
  | { readonly reason: 'result-not-entitled'; readonly file: string; readonly status: string; readonly recordedCode: ErrorCode; readonly recordedMessage: string | null }
  | { readonly reason: 'region-unresolved'; readonly tried: readonly string[]; readonly imdsTokenUnanswered: boolean };

export type FailureReason = FailureDetail['reason'];

/** The one-line message of a failure, from its fields. */
export function describeFailure(detail: FailureDetail): string {
  switch (detail.reason) {
    case 'described':
      return detail.text;
    case 'unexpected':
      return `unexpected error: ${detail.problem}`;
    case 'terminated':
      return `stopped by ${detail.signal} before registration finished`;
    case 'aborted':
      return `${detail.by} was aborted by the caller`;
    case 'setting-invalid':
      return `invalid ${detail.setting} ${detail.shownValue}: ${detail.allowed}`;
    case 'setting-missing':
      return `missing ${detail.setting}${detail.alternatives.length ? ` or ${detail.alternatives.join(' / ')}` : ''}: ${detail.allowed}`;
    case 'token-refused':
      return `the RegisterUsage token was refused: ${detail.problem}`;
    case 'result-unverified':
      return `${detail.file} does not verify: ${detail.problem}`;
    case 'result-missing':
      return detail.waitedMs !== null ? `no result file at ${detail.file} after waiting ${detail.waitedMs}ms` : `no readable result file at ${detail.file} (${detail.problem ?? 'unreadable'})`;
    case 'result-not-entitled':
      if (detail.status === 'NOT_ENTITLED') return `${detail.file} records NOT_ENTITLED: AWS Marketplace said the customer is not subscribed to this product`;
      return `${detail.file} records ${detail.status} (${detail.recordedCode}): the gate did not register: ${detail.status === 'GRACE' ? 'the workload was let start in GRACE, which no token proves' : (detail.recordedMessage ?? 'no message recorded')}`;
    case 'region-unresolved':
      return `could not determine the AWS region; tried: ${detail.tried.join('; ')}`;
  }
}

/** The fix a failure's own facts call for, when it is more specific than its code's default. */
export function failureHint(detail: FailureDetail): string | null {
  switch (detail.reason) {
    case 'region-unresolved':
      return detail.imdsTokenUnanswered ? HOP_LIMIT_HINT : 'run in ECS or EKS, where the region is detected, or set AWS_REGION to the region the task runs in.';
    default:
      return null;
  }
}

export interface GateErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
  readonly exitCode?: number;
}

export class GateError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** The failure as data; `message` and `hint` are built from it. */
  readonly detail: FailureDetail;
  /** How to fix it, for the operator; printed and recorded, never secret, never empty. */
  readonly hint: string;

  /** A string is a failure described in words only (reason `described`). */
  constructor(code: ErrorCode, detail: FailureDetail | string, options: GateErrorOptions = {}) {
    const facts: FailureDetail = typeof detail === 'string' ? { reason: 'described', text: detail } : detail;
    super(describeFailure(facts), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GateError';
    this.code = code;
    this.detail = facts;
    this.exitCode = options.exitCode ?? EXIT_CODES[code];
    this.hint = options.hint ?? failureHint(facts) ?? DEFAULT_HINTS[code];
  }

  /** The machine-readable reason, as `detail.reason`. */
  get reason(): FailureReason {
    return this.detail.reason;
  }
}

export function isGateError(error: unknown): error is GateError {
  return error instanceof GateError;
}

export function terminated(signal: StopSignal): GateError {
  return new GateError('TERMINATED', { reason: 'terminated', signal }, { exitCode: SIGNAL_EXIT_CODES[signal] });
}

/** Wraps anything thrown into a GateError; an unknown throw is a bug, so it is INTERNAL. */
export function toGateError(error: unknown): GateError {
  if (isGateError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GateError('INTERNAL', { reason: 'unexpected', problem: message }, { cause: error });
}

/**
 * "0 <success>, 1 internal error (a bug), 2 bad configuration / …, …" for the given codes, in
 * exit-code order; TERMINATED is listed with its signals' codes.
 */
export function exitCodeList(success: string, codes: readonly ErrorCode[]): string {
  const byExit = new Map<number, string[]>();
  for (const code of codes) {
    if (code === 'TERMINATED') continue;
    byExit.set(EXIT_CODES[code], [...(byExit.get(EXIT_CODES[code]) ?? []), EXIT_SUMMARIES[code]]);
  }
  const parts = [`0 ${success}`, ...[...byExit.entries()].sort(([a], [b]) => a - b).map(([exit, summaries]) => `${exit} ${summaries.join(' / ')}`)];
  if (codes.includes('TERMINATED')) {
    const signals = Object.entries(SIGNAL_EXIT_CODES).sort(([, a], [, b]) => b - a);
    parts.push(`${signals.map(([, exit]) => exit).join('/')} ${EXIT_SUMMARIES.TERMINATED} (${signals.map(([name]) => name).join('/')})`);
  }
  return parts.join(', ');
}
