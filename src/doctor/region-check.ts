import type { EnvironmentFacts } from '../config/environment.js';
import { toGateError, type GateError } from '../errors.js';
import { resolveRegion, type ResolvedRegion } from '../platform/region.js';
import { fail, pass, warn, type CheckRow } from './report.js';

export interface RegionCheck {
  readonly row: CheckRow;
  readonly resolved: ResolvedRegion | null;
  /** Why the chain found no region, as data (the row holds its words). */
  readonly failure: GateError | null;
}

const SOURCE_TEXT: Readonly<Record<ResolvedRegion['source'], string>> = {
  flag: '--region',
  'ecs-task-metadata': 'the ECS task metadata (TaskARN)',
  env: 'the environment',
  imds: 'IMDSv2',
};

/** The same chain register uses, with doctor's probe timeout. */
export async function checkRegion(options: { override: string | null; environment: EnvironmentFacts; timeoutMs: number; signal: AbortSignal }): Promise<RegionCheck> {
  try {
    const resolved = await resolveRegion({ override: options.override, environment: options.environment, probeTimeoutMs: options.timeoutMs, signal: options.signal });
    const from = resolved.source === 'env' ? resolved.detail : SOURCE_TEXT[resolved.source];
    if (resolved.source === 'flag') {
      return {
        resolved,
        failure: null,
        row: warn('region', `${resolved.region}, hard-coded by --region`, 'remove --region and let the gate detect the region: a region other than the task\'s gets InvalidRegionException.'),
      };
    }
    return { resolved, failure: null, row: pass('region', `${resolved.region} from ${from}`) };
  } catch (error) {
    const failure = toGateError(error);
    return { resolved: null, failure, row: fail('region', failure.code, failure.message, failure.hint) };
  }
}
