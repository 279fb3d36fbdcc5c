import type { EnvironmentFacts } from '../config/environment.js';
import { readEcsTask } from '../platform/ecs-metadata.js';
import type { WorkloadIdentity } from './nonce.js';

export type IdentityLookup =
  | { readonly identity: WorkloadIdentity; readonly problem: null }
  /** problem: why an identity that should exist (ECS task metadata is announced) could not be read. */
  | { readonly identity: null; readonly problem: string | null };

/**
 * The pod or task this process runs in. ECS first: its task metadata endpoint is served by
 * the agent, while METERING_GATE_POD_UID is an ordinary variable the chart sets. The gate
 * passes the TaskARN it already read for the region, so a task is asked once.
 */
export async function resolveWorkloadIdentity(
  environment: EnvironmentFacts,
  options: { readonly knownTaskArn?: string | null; readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<IdentityLookup> {
  if (environment.ecsMetadataUri) {
    if (options.knownTaskArn) return { identity: { kind: 'ecs-task', id: options.knownTaskArn }, problem: null };
    const lookup = await readEcsTask(environment.ecsMetadataUri, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    if (lookup.ok) return { identity: { kind: 'ecs-task', id: lookup.task.taskArn }, problem: null };
    return { identity: null, problem: `ECS task metadata at ECS_CONTAINER_METADATA_URI_V4 gave no TaskARN (${lookup.detail})` };
  }
  if (environment.podUid) return { identity: { kind: 'kubernetes-pod', id: environment.podUid }, problem: null };
  return { identity: null, problem: null };
}
