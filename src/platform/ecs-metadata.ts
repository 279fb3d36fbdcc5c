import { probe } from './http-probe.js';

export interface EcsTask {
  readonly taskArn: string;
  readonly region: string;
  readonly launchType: string | null;
}

export type EcsTaskLookup = { ok: true; task: EcsTask } | { ok: false; detail: string };

/** `arn:aws:ecs:<region>:<account>:task/<id>` and the long form `task/<cluster>/<id>` both keep the region 4th. */
export function regionFromTaskArn(arn: string): string | null {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'ecs' || !parts[5]?.startsWith('task/')) return null;
  return parts[3] || null;
}

export async function readEcsTask(metadataUri: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<EcsTaskLookup> {
  const answer = await probe(`${metadataUri.replace(/\/+$/, '')}/task`, options);
  if (!answer.ok) return { ok: false, detail: answer.detail };
  let document: unknown;
  try {
    document = JSON.parse(answer.body);
  } catch {
    return { ok: false, detail: 'the answer was not JSON' };
  }
  const taskArn = (document as { TaskARN?: unknown } | null)?.TaskARN;
  if (typeof taskArn !== 'string') return { ok: false, detail: 'the answer had no TaskARN' };
  const region = regionFromTaskArn(taskArn);
  if (!region) return { ok: false, detail: `TaskARN ${JSON.stringify(taskArn)} is not an ECS task ARN` };
  const launchType = (document as { LaunchType?: unknown }).LaunchType;
  return { ok: true, task: { taskArn, region, launchType: typeof launchType === 'string' ? launchType : null } };
}
