import type { EnvironmentFacts } from '../config/environment.js';

export type Platform = 'ecs-fargate' | 'ecs-ec2' | 'eks' | 'kubernetes' | 'unknown';

/** From what ECS and Kubernetes inject; the ECS launch type from task metadata refines it when known. */
export function detectPlatform(environment: EnvironmentFacts, ecsLaunchType?: string | null): Platform {
  if (ecsLaunchType === 'FARGATE') return 'ecs-fargate';
  if (ecsLaunchType === 'EC2' || ecsLaunchType === 'EXTERNAL') return 'ecs-ec2';
  if (environment.executionEnv === 'AWS_ECS_FARGATE') return 'ecs-fargate';
  if (environment.executionEnv === 'AWS_ECS_EC2') return 'ecs-ec2';
  if (environment.ecsMetadataUri) return 'ecs-ec2';
  if (environment.kubernetes) {
    const credentials = environment.credentials;
    const eksInjected =
      credentials.webIdentityTokenFile?.includes('eks.amazonaws.com') ||
      credentials.containerAuthorizationTokenFile?.includes('pods.eks.amazonaws.com') ||
      credentials.containerFullUri?.includes('169.254.170.23');
    return eksInjected ? 'eks' : 'kubernetes';
  }
  return 'unknown';
}
