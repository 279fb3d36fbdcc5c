import { formatDuration } from '../config/duration.js';
import { resolveWorkloadIdentity } from '../binding/identity.js';
import { BINDING_NAMES, boundNonce } from '../binding/nonce.js';
import { FALLBACK_LOG_CONFIG, parseLogConfig } from '../config/log-config.js';
import { DEFAULT_TERMINATION_LOG, parseRegisterConfig, resolveOutputDir, type RegisterConfig } from '../config/register-config.js';
import { unknownVariableWarnings } from '../config/variable-names.js';
import type { Env, OptionNames, RawFlags } from '../config/settings.js';
import { createCredentialProvider, resolveCredentials } from '../credentials/provider.js';
import { checkSharedFiles } from '../credentials/shared-files.js';
import { stsEndpointFor } from '../credentials/sts-endpoint.js';
import { describeCredentialSource, type CredentialSource } from '../credentials/source.js';
import { GateError, toGateError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createMeteringClient, registerUsage, type RegisterUsageAnswer } from '../metering/register-usage.js';
import { newRetryStats, withRetries, type RetryStats } from '../metering/retry.js';
import { detectPlatform, type Platform } from '../platform/platform.js';
import { resolveRegion, type ResolvedRegion } from '../platform/region.js';
import { buildResult, terminationMessage } from '../result/build-result.js';
import type { EntitlementResult, ResultBinding } from '../result/entitlement.js';
import { writeTerminationLog } from '../result/termination-log.js';
import { clearPreviousResult, resultPaths, writeResultFiles } from '../result/write-result.js';
import { isDeadlineReached, startDeadline } from '../time/deadline.js';
import { verifyToken, type VerifiedToken } from '../verify/token.js';

/** What a run learned so far; whatever stage fails, the result reports everything before it. */
interface RunState {
  config: RegisterConfig | null;
  region: ResolvedRegion | null;
  /** null until detected: known once the region is (its ECS launch type refines it). */
  platform: Platform | null;
  credentialSource: CredentialSource | null;
  /** The nonce sent, once decided: bound to the pod or task when one is known. */
  nonce: string | null;
  binding: ResultBinding | null;
  answer: RegisterUsageAnswer | null;
  verified: VerifiedToken | null;
  warnings: string[];
  stats: RetryStats;
  /** What the run was waiting for before the first call, for a deadline that passes there. */
  stage: string | null;
}

/**
 * What the gate needs from the process it runs in, given rather than reached for, so that
 * the CLI and the library run the same pipeline from the same facts.
 */
export interface GateContext {
  /** The environment the METERING_GATE_* settings and the platform facts are read from. */
  readonly env: Env;
  /** Picks the default log format (pretty on a terminal). */
  readonly stderrIsTty: boolean;
  /** Aborting stops registration at once (TERMINATED); a result is still written. */
  readonly signal: AbortSignal;
  /** Whose names `flags` go by, for messages: the CLI's flags (default) or the library's options. */
  readonly optionNames?: OptionNames;
}

export interface RegisterOutcome {
  readonly result: EntitlementResult;
  readonly exitCode: number;
  /** Where entitlement.json was written (or was to be). */
  readonly resultFile: string;
}

async function register(state: RunState, config: RegisterConfig, context: GateContext, log: Logger, startedAt: number): Promise<void> {
  const warn = (message: string, fields: Record<string, unknown> = {}) => {
    state.warnings.push(message);
    log.warn(fields, message);
  };
  if (config.skipSignatureVerification) warn('signature verification is off (--skip-signature-verification): the token is not checked against a public key');
  if (config.regionOverride) warn('the region is set by --region; AWS advises against hard-coding it, and a region other than the task\'s gets InvalidRegionException', { region: config.regionOverride });

  checkSharedFiles(config.environment.credentials.sharedFiles);
  // One deadline bounds every wait, from the first metadata request to the last attempt.
  const deadline = startDeadline(config.deadlineMs, context.signal, { startedAt });
  try {
    // The region and the credentials come from separate endpoints and neither needs the other,
    // so both are asked at once; a region failure is still the one reported when both fail.
    // Only IRSA's STS call needs the region (its regional endpoint), and waits for it.
    const regionResolved = resolveRegion({ override: config.regionOverride, environment: config.environment, signal: deadline.signal });
    regionResolved.catch(() => undefined);
    const stsRegion = () => regionResolved.then((resolved) => resolved.region);
    const credentialsEnvironment = config.environment.credentials;
    const stsStats = newRetryStats();
    const credentialsResolved = resolveCredentials(() => createCredentialProvider({ credentials: credentialsEnvironment, imdsDisabled: config.environment.imdsDisabled, stsRegion, attemptTimeoutMs: config.attemptTimeoutMs, network: config.network }), {
      credentials: credentialsEnvironment,
      deadlineAt: deadline.at,
      budgetMs: config.deadlineMs,
      attemptTimeoutMs: config.attemptTimeoutMs,
      signal: context.signal,
      deadlineSignal: deadline.signal,
      stsEndpoint: () => stsEndpointFor(credentialsEnvironment, state.region?.region ?? null),
      stats: stsStats,
      onRetry: ({ attempt, reason, waitMs, throttled }) => log.info({ attempt, waitMs, throttled, reason }, 'STS AssumeRoleWithWebIdentity failed transiently; retrying'),
    });
    credentialsResolved.catch(() => undefined);

    state.stage = 'the region';
    state.region = await regionResolved;
    state.platform = detectPlatform(config.environment, state.region.ecsLaunchType);
    log.debug({ region: state.region.region, regionSource: state.region.source, from: state.region.detail, platform: state.platform }, 'region resolved');

    state.stage = 'the pod or task identity';
    const workload = await resolveWorkloadIdentity(config.environment, { knownTaskArn: state.region.ecsTaskArn, timeoutMs: 2_000, signal: deadline.signal });
    state.stage = null;
    if (config.nonceIsExplicit) {
      state.nonce = config.nonce;
      state.binding = { kind: 'none', id: null };
      if (workload.identity) {
        warn(`--nonce is sent exactly as given, so this registration is not bound to its ${BINDING_NAMES[workload.identity.kind].workload}; verify in the workload refuses an unbound result there. Leave --nonce unset to bind it.`);
      }
    } else if (workload.identity) {
      state.nonce = boundNonce(workload.identity, config.nonce);
      state.binding = { kind: workload.identity.kind, id: workload.identity.id };
    } else {
      state.nonce = config.nonce;
      state.binding = { kind: 'none', id: null };
      if (workload.problem) warn(`${workload.problem}: this registration is not bound to its task, and verify in the task will refuse it`);
    }
    log.debug({ binding: state.binding.kind }, 'binding decided');
    const nonce = state.nonce;

    const credentials = describeCredentialSource(config.environment.credentials, config.environment.imdsDisabled);
    state.credentialSource = credentials.source;
    for (const message of credentials.warnings) warn(message, { credentialSource: credentials.source });

    state.stage = 'credentials';
    let provider;
    try {
      provider = await credentialsResolved;
    } catch (error) {
      state.stats.stoppedBy = stsStats.stoppedBy ?? null;
      throw error;
    }
    if (stsStats.attempts > 0) log.debug({ attempts: stsStats.attempts }, 'credentials from STS AssumeRoleWithWebIdentity');
    state.stage = null;

    const client = createMeteringClient({
      region: state.region.region,
      endpointUrl: config.endpointUrl,
      credentials: provider,
      network: config.network,
      connectTimeoutMs: config.attemptTimeoutMs,
    });
    try {
      state.answer = await withRetries(
        (signal) => registerUsage(client, { productCode: config.productCode, publicKeyVersion: config.publicKeyVersion, nonce }, signal),
        {
          deadlineAt: deadline.at,
          budgetMs: config.deadlineMs,
          attemptTimeoutMs: config.attemptTimeoutMs,
          signal: context.signal,
          onRetry: ({ attempt, reason, waitMs, throttled }) => log.info({ attempt, waitMs, throttled, reason }, 'RegisterUsage failed transiently; retrying'),
        },
        state.stats,
      );
    } finally {
      client.destroy();
    }
  } catch (error) {
    if (!isDeadlineReached(error)) throw error;
    state.stats.stoppedBy = 'deadline';
    // The service was never asked, so this is no outage: GRACE does not apply (buildResult).
    throw new GateError(
      'SERVICE_UNAVAILABLE',
      `RegisterUsage was not called: the ${formatDuration(config.deadlineMs)} deadline passed while waiting for ${state.stage ?? 'the first attempt'}`,
    );
  } finally {
    deadline.dispose();
  }

  if (state.answer.publicKeyRotationTimestamp) {
    warn(
      `public key version ${config.publicKeyVersion} has expired (PublicKeyRotationTimestamp ${state.answer.publicKeyRotationTimestamp.toISOString()}): get the new key from AWS Marketplace and update --public-key-version and the key`,
      { publicKeyRotationTimestamp: state.answer.publicKeyRotationTimestamp.toISOString() },
    );
  }
  state.verified = await verifyToken(state.answer.signature, config.publicKey?.key ?? null, {
    productCode: config.productCode,
    publicKeyVersion: config.publicKeyVersion,
    nonce: state.nonce as string,
    maxAgeMs: config.maxTokenAgeMs,
    clockSkewMs: config.clockSkewMs,
    // verify judges a result's age by iat where no binding holds, so register refuses a token
    // without one rather than write a result that verify would then refuse.
    requireIat: true,
  });
}

/**
 * The register pipeline (config, platform and region, credentials, RegisterUsage, token,
 * result files): every stage may fail, and every failure still ends in a result file and a
 * documented code. Printing the result is the caller's job.
 */
export async function runRegistration(flags: RawFlags, context: GateContext): Promise<RegisterOutcome> {
  const startedAt = Date.now();
  const state: RunState = {
    config: null,
    region: null,
    platform: null,
    credentialSource: null,
    nonce: null,
    binding: null,
    answer: null,
    verified: null,
    warnings: [],
    stats: newRetryStats(),
    stage: null,
  };
  let log: Logger;
  let failure: GateError | null = null;
  try {
    log = createLogger(parseLogConfig(flags, context.env, context.stderrIsTty, context.optionNames));
  } catch (error) {
    log = createLogger(FALLBACK_LOG_CONFIG);
    failure = toGateError(error);
  }
  // Before the config is read: a misspelt variable is often why it then fails (a missing product code).
  for (const message of unknownVariableWarnings(context.env)) {
    state.warnings.push(message);
    log.warn({}, message);
  }

  if (!failure) {
    try {
      state.config = parseRegisterConfig(flags, context.env, context.optionNames);
      // Before any wait: a run that is killed from here on leaves no result rather than the last one.
      clearPreviousResult(state.config.outputDir);
      await register(state, state.config, context, log, startedAt);
    } catch (error) {
      failure = context.signal.aborted ? toGateError(context.signal.reason) : toGateError(error);
    }
  }
  if (state.config === null && failure === null) throw new Error('unreachable: no config and no failure');
  if (state.platform === null && state.config) state.platform = detectPlatform(state.config.environment);

  let result = buildResult(state, failure, { startedAt, finishedAt: Date.now() });
  const outputDir = state.config?.outputDir ?? resolveOutputDir(flags, context.env, context.optionNames);
  try {
    writeResultFiles(outputDir, result);
  } catch (error) {
    const writeError = toGateError(error);
    result = buildResult(state, writeError, { startedAt, finishedAt: Date.now() });
    failure = writeError;
  }

  const terminationLog = state.config?.terminationLog ?? { path: DEFAULT_TERMINATION_LOG, explicit: false };
  const terminationError = writeTerminationLog(terminationLog, terminationMessage(result));
  if (terminationError) log.warn(terminationError);

  if (failure === null) {
    log.info({ productCode: result.productCode, region: result.region, attempts: result.attempts, durationMs: result.durationMs }, 'entitled');
  } else if (result.status === 'GRACE') {
    log.warn({ errorCode: failure.code, attempts: result.attempts }, `starting in GRACE (--on-unavailable allow): ${failure.message}`);
  } else {
    const fields: Record<string, unknown> = { errorCode: failure.code, exitCode: result.exitCode };
    if (failure.hint) fields['hint'] = failure.hint;
    if (failure.code === 'INTERNAL') fields['stack'] = (failure.cause as Error | undefined)?.stack;
    log.error(fields, failure.message);
  }
  return { result, exitCode: result.exitCode, resultFile: resultPaths(outputDir).json };
}
