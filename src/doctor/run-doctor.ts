import type { DoctorConfig } from '../config/doctor-config.js';
import { describeCredentialSource } from '../credentials/source.js';
import { detectPlatform } from '../platform/platform.js';
import { startDeadline } from '../time/deadline.js';
import { GATE_VERSION } from '../version.js';
import { checkCall } from './call-check.js';
import { checkCredentials } from './credentials-check.js';
import { checkEndpoint, meteringEndpoint } from './endpoint-check.js';
import { checkImds, type ImdsCheck } from './imds-check.js';
import { checkCaBundle, checkProxy } from './network-check.js';
import { checkPublicKey } from './key-check.js';
import { checkOptions } from './options-check.js';
import { checkOutputDir } from './output-check.js';
import { checkPlatform } from './platform-check.js';
import { checkProductCode } from './product-check.js';
import { checkRegion, type RegionCheck } from './region-check.js';
import { checkSts } from './sts-check.js';
import { fail, summarise, type CheckRow, type DoctorReport } from './report.js';

/**
 * The region chain cannot tell "IMDS connected but never answered" from "no IMDS at all"
 * and gives the hop-limit advice for both; the imds row can, so on a machine without IMDS
 * the region row should not send anyone to change a hop limit.
 */
function reconcileRegionFix({ row: regionRow, failure }: RegionCheck, imds: ImdsCheck): CheckRow {
  const chainSawHopLimit = failure?.detail.reason === 'region-unresolved' && failure.detail.imdsTokenUnanswered;
  if (!chainSawHopLimit || imds.tokenUnanswered) return regionRow;
  return { ...regionRow, fix: 'no region source answered: set AWS_REGION to the region the workload runs in, or run in ECS or EKS where it is detected (see the imds row).' };
}

/**
 * Runs every check and returns the rows in a fixed order (the order decides the exit
 * code). Network probes run concurrently, each bounded by the check timeout, so a
 * broken environment still gets its report in seconds.
 */
export async function runDoctor(config: DoctorConfig, stop: AbortSignal): Promise<DoctorReport> {
  // --deadline bounds doctor's waits as it bounds register's: metadata, credentials, the call.
  const deadline = config.runOptions.ok ? startDeadline(config.runOptions.value.deadlineMs, stop) : null;
  try {
    return await diagnose(config, deadline?.signal ?? stop);
  } finally {
    deadline?.dispose();
  }
}

async function diagnose(config: DoctorConfig, signal: AbortSignal): Promise<DoctorReport> {
  const timeoutMs = config.checkTimeoutMs;
  const environment = config.environment;
  const initialPlatform = detectPlatform(environment);
  const credentialSource = describeCredentialSource(environment.credentials, environment.imdsDisabled).source;

  const regionCheck = config.regionOverride.ok
    ? checkRegion({ override: config.regionOverride.value, environment, timeoutMs, signal })
    : Promise.resolve<RegionCheck>({ resolved: null, failure: config.regionOverride.error, row: fail('region', config.regionOverride.error.code, config.regionOverride.error.message, 'remove --region: the gate detects the region.') });
  const imdsRow = checkImds(
    environment,
    initialPlatform,
    regionCheck.then(({ resolved }) => ({ forRegion: config.regionOverride.ok && (resolved === null || resolved.source === 'imds'), forCredentials: credentialSource === 'imds' })),
    { timeoutMs, signal },
  );
  const region = await regionCheck;
  const { resolved } = region;
  // The task metadata knows the launch type better than the environment does.
  const platform = detectPlatform(environment, resolved?.ecsLaunchType);
  const endpointOverridden = config.endpointUrl.ok && config.endpointUrl.value !== null;

  const endpoint = config.endpointUrl.ok ? (config.endpointUrl.value ?? (resolved ? meteringEndpoint(resolved.region) : null)) : null;
  const proxyRow = checkProxy(config, endpoint, { timeoutMs });
  let endpointRow: Promise<CheckRow>;
  if (!config.endpointUrl.ok) {
    endpointRow = Promise.resolve(fail('endpoint', config.endpointUrl.error.code, config.endpointUrl.error.message, 'give an absolute http:// or https:// URL, or unset it to use AWS.'));
  } else {
    endpointRow = checkEndpoint(endpoint, { timeoutMs, network: config.network.ok ? config.network.value : null });
  }

  const stsRow = checkSts(environment, resolved?.region ?? null, config.network.ok ? config.network.value : null, { timeoutMs, signal });
  const imds = await imdsRow;
  const rows: CheckRow[] = [
    checkPlatform(platform, endpointOverridden),
    checkCredentials(environment, platform),
    reconcileRegionFix(region, imds),
    imds.row,
    await proxyRow,
    checkCaBundle(config),
    await endpointRow,
    await stsRow,
    checkPublicKey(config),
    checkProductCode(config),
    checkOptions(config),
    checkOutputDir(config.outputDir),
  ];
  rows.push(await checkCall(config, resolved?.region ?? null, signal));
  return summarise(rows, GATE_VERSION);
}
