import type { EnvironmentFacts } from '../config/environment.js';
import { isValidRegion, REGION_EXAMPLES } from '../config/region-name.js';
import { GateError, HOP_LIMIT_HINT } from '../errors.js';
import { readEcsTask } from './ecs-metadata.js';
import { readImdsRegion } from './imds.js';

export type RegionSource = 'flag' | 'ecs-task-metadata' | 'env' | 'imds';

export interface ResolvedRegion {
  readonly region: string;
  readonly source: RegionSource;
  /** Which env var or endpoint answered, for logs and doctor. */
  readonly detail: string;
  readonly ecsLaunchType: string | null;
  /** The TaskARN, when task metadata was read (it also binds the registration to the task). */
  readonly ecsTaskArn: string | null;
}

export interface RegionOptions {
  readonly override: string | null;
  readonly environment: EnvironmentFacts;
  readonly probeTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export { HOP_LIMIT_HINT };

/**
 * The contract's order: --region, ECS task metadata, AWS_REGION, AWS_DEFAULT_REGION, IMDSv2.
 * Never a hard-coded default: a wrong region is exactly what InvalidRegionException punishes.
 */
export async function resolveRegion(options: RegionOptions): Promise<ResolvedRegion> {
  const { environment } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
  const tried: string[] = [];
  let ecsLaunchType: string | null = null;
  let ecsTaskArn: string | null = null;

  if (options.override) return { region: options.override, source: 'flag', detail: '--region', ecsLaunchType, ecsTaskArn };

  if (environment.ecsMetadataUri) {
    const lookup = await readEcsTask(environment.ecsMetadataUri, { timeoutMs: probeTimeoutMs * 2, signal: options.signal });
    if (lookup.ok) {
      ecsLaunchType = lookup.task.launchType;
      ecsTaskArn = lookup.task.taskArn;
      if (isValidRegion(lookup.task.region)) {
        return { region: lookup.task.region, source: 'ecs-task-metadata', detail: 'TaskARN', ecsLaunchType, ecsTaskArn };
      }
      tried.push(`ECS task metadata (TaskARN region ${JSON.stringify(lookup.task.region)} is not a region)`);
    } else {
      tried.push(`ECS task metadata at ECS_CONTAINER_METADATA_URI_V4 (${lookup.detail})`);
    }
  } else {
    tried.push('ECS task metadata (ECS_CONTAINER_METADATA_URI_V4 not set)');
  }

  for (const [name, value] of [['AWS_REGION', environment.awsRegion], ['AWS_DEFAULT_REGION', environment.awsDefaultRegion]] as const) {
    if (value === null) {
      tried.push(`${name} (not set)`);
      continue;
    }
    if (!isValidRegion(value)) throw new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: name, shownValue: JSON.stringify(value), allowed: `must be ${REGION_EXAMPLES}` });
    return { region: value, source: 'env', detail: name, ecsLaunchType, ecsTaskArn };
  }

  let imdsTokenUnanswered = false;
  if (environment.imdsDisabled) {
    tried.push('IMDSv2 (skipped: AWS_EC2_METADATA_DISABLED=true)');
  } else {
    const lookup = await readImdsRegion(environment.imdsEndpoint, { timeoutMs: probeTimeoutMs, signal: options.signal });
    if (lookup.ok && isValidRegion(lookup.region)) {
      return { region: lookup.region, source: 'imds', detail: environment.imdsEndpoint, ecsLaunchType, ecsTaskArn };
    }
    tried.push(`IMDSv2 at ${environment.imdsEndpoint} (${lookup.ok ? `answered ${JSON.stringify(lookup.region)}, not a region` : lookup.detail})`);
    imdsTokenUnanswered = !lookup.ok && lookup.tokenUnanswered;
  }

  if (options.signal?.aborted) throw options.signal.reason;
  throw new GateError('REGION_UNRESOLVED', { reason: 'region-unresolved', tried, imdsTokenUnanswered });
}
