import type { Platform } from '../platform/platform.js';
import { fail, pass, warn, type CheckRow } from './report.js';

const DESCRIBED: Readonly<Record<Platform, string>> = {
  'ecs-fargate': 'ECS on Fargate',
  'ecs-ec2': 'ECS on EC2',
  eks: 'EKS (AWS credentials injected by EKS)',
  kubernetes: 'Kubernetes, but nothing EKS injects (no IRSA token)',
  unknown: 'neither ECS nor Kubernetes (no ECS_CONTAINER_METADATA_URI_V4, AWS_EXECUTION_ENV or KUBERNETES_SERVICE_HOST)',
};

const EMULATOR_FIX =
  'RegisterUsage works only from ECS or EKS; for local tests run `metering-gate emulator` and point the gate at it with --endpoint-url.';

/**
 * Outside ECS/EKS the real service answers PlatformNotSupportedException, so that is a
 * failure unless the gate is pointed at another endpoint (the emulator).
 */
export function checkPlatform(platform: Platform, endpointOverridden: boolean): CheckRow {
  const finding = DESCRIBED[platform];
  if (platform === 'unknown') {
    if (endpointOverridden) return warn('platform', `${finding}; the endpoint is overridden, so this is fine for the emulator, but AWS would answer PlatformNotSupportedException`, EMULATOR_FIX);
    return fail('platform', 'PLATFORM_NOT_SUPPORTED', `${finding}: AWS answers PlatformNotSupportedException here`, EMULATOR_FIX);
  }
  if (platform === 'kubernetes') {
    return warn('platform', finding, 'on EKS, annotate the pod\'s service account with eks.amazonaws.com/role-arn (IRSA); AWS Marketplace accepts RegisterUsage from EKS and ECS only.');
  }
  return pass('platform', finding);
}
