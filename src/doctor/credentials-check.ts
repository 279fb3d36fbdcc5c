import { accessSync, constants } from 'node:fs';
import type { EnvironmentFacts } from '../config/environment.js';
import { describeCredentialSource, IRSA_ADVICE } from '../credentials/source.js';
import type { Platform } from '../platform/platform.js';
import { fail, pass, warn, type CheckRow } from './report.js';

const ON_AWS_CONTAINERS = new Set<Platform>(['ecs-fargate', 'ecs-ec2', 'eks']);

function readable(path: string): string | null {
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/**
 * Predicts which provider of the SDK chain will sign the call, from variable names and
 * file presence only: no secret is read, resolved or shown.
 */
export function checkCredentials(environment: EnvironmentFacts, platform: Platform): CheckRow {
  const credentials = environment.credentials;
  const { source } = describeCredentialSource(credentials, environment.imdsDisabled);
  const onContainers = ON_AWS_CONTAINERS.has(platform);
  const isEcs = platform === 'ecs-fargate' || platform === 'ecs-ec2';
  switch (source) {
    case 'pod-identity':
      return fail(
        'credentials',
        'ACCESS_DENIED',
        'EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI at 169.254.170.23 / AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): AWS Marketplace refuses RegisterUsage signed with it',
        `${IRSA_ADVICE} Delete the pod identity association for this service account.`,
      );
    case 'web-identity': {
      const problem = readable(credentials.webIdentityTokenFile ?? '');
      if (problem) {
        return fail('credentials', 'CREDENTIALS_UNAVAILABLE', `IRSA is configured (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) but the token file ${credentials.webIdentityTokenFile} is not readable (${problem})`, 'check the projected service account token volume and that the container user can read it (fsGroup).');
      }
      return pass('credentials', `IRSA web identity (AWS_ROLE_ARN with token file ${credentials.webIdentityTokenFile})`);
    }
    case 'container':
      return pass('credentials', isEcs ? 'ECS task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)' : 'container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)');
    case 'env':
      if (!credentials.sessionTokenPresent) {
        const finding = 'long-term access keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, no session token)';
        return onContainers ? fail('credentials', 'ACCESS_DENIED', `${finding}: AWS Marketplace refuses them for RegisterUsage`, IRSA_ADVICE) : warn('credentials', `${finding}; fine for the emulator, refused by AWS Marketplace`, IRSA_ADVICE);
      }
      return onContainers
        ? warn('credentials', 'temporary keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, not the workload\'s own role', IRSA_ADVICE)
        : pass('credentials', 'temporary keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN');
    case 'ini':
      return onContainers
        ? warn('credentials', `shared config profile ${JSON.stringify(credentials.profile)} (AWS_PROFILE)`, IRSA_ADVICE)
        : pass('credentials', `shared config profile ${JSON.stringify(credentials.profile)} (AWS_PROFILE)`);
    case 'imds':
      if (platform === 'eks' || platform === 'kubernetes') {
        return fail('credentials', 'ACCESS_DENIED', 'no IRSA: credentials would come from the node\'s instance role through IMDS, which AWS Marketplace refuses on EKS', IRSA_ADVICE);
      }
      if (isEcs) {
        return fail('credentials', 'CREDENTIALS_UNAVAILABLE', 'no task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set): credentials would come from the EC2 instance role', 'set taskRoleArn in the task definition to a role allowed aws-marketplace:RegisterUsage (the task role, not the execution role).');
      }
      return warn('credentials', 'no credentials in the environment: the instance profile through IMDS would be used', IRSA_ADVICE);
    case 'unknown':
      return fail('credentials', 'CREDENTIALS_UNAVAILABLE', 'no credential source: no keys, profile, IRSA token, container credentials, and IMDS is disabled', IRSA_ADVICE);
  }
}
