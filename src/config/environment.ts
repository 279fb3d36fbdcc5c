import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import type { Env } from './settings.js';

/**
 * The facts about where we run that platform, region and credential detection need,
 * read from the environment here and only here. Secret values are reduced to presence.
 */
export interface EnvironmentFacts {
  readonly ecsMetadataUri: string | null;
  readonly executionEnv: string | null;
  readonly kubernetes: boolean;
  /** The pod's UID, which the chart passes to the gate and the workload from the downward API (metadata.uid). */
  readonly podUid: string | null;
  readonly awsRegion: string | null;
  readonly awsDefaultRegion: string | null;
  readonly imdsEndpoint: string;
  readonly imdsDisabled: boolean;
  readonly credentials: CredentialEnvironment;
}

export interface CredentialEnvironment {
  readonly accessKeyPresent: boolean;
  readonly sessionTokenPresent: boolean;
  readonly profile: string | null;
  readonly webIdentityTokenFile: string | null;
  readonly roleArnPresent: boolean;
  /** IRSA's role (AWS_ROLE_ARN): not a secret, and what an operator checks the trust policy of. */
  readonly roleArn: string | null;
  readonly roleSessionName: string | null;
  /** Where the SDK sends STS calls instead of its regional endpoint (AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL), as the SDK reads them. */
  readonly stsEndpointUrl: string | null;
  /** The ECS task role's path on the ECS agent (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI). */
  readonly containerRelativeUri: string | null;
  readonly containerFullUri: string | null;
  readonly containerAuthorizationTokenFile: string | null;
  readonly containerAuthorizationTokenPresent: boolean;
  /** The shared config and credentials files the SDK would read, resolved as the SDK does. */
  readonly sharedFiles: readonly string[];
  /**
   * The secret values, for the credential provider alone (credentials/provider.ts): a function,
   * so that they stay out of anything that serialises or logs these facts.
   */
  readonly secrets: () => CredentialSecrets;
}

/** Static keys (AWS_ACCESS_KEY_ID, ...) and the container credential endpoint's token, as given. */
export interface CredentialSecrets {
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  readonly sessionToken: string | null;
  /** AWS_CREDENTIAL_EXPIRATION, as the SDK's env provider reads it. */
  readonly expiration: string | null;
  readonly containerAuthorizationToken: string | null;
}

/** The SDK's own order for finding the home directory. */
function homeDirectory(env: Env): string {
  if (env['HOME']) return env['HOME'];
  if (env['USERPROFILE']) return env['USERPROFILE'];
  if (env['HOMEPATH']) return `${env['HOMEDRIVE'] ?? `C:${sep}`}${env['HOMEPATH']}`;
  return homedir();
}

function sharedFiles(env: Env): string[] {
  const home = homeDirectory(env);
  const files = [nonEmpty(env['AWS_CONFIG_FILE']) ?? join(home, '.aws', 'config'), nonEmpty(env['AWS_SHARED_CREDENTIALS_FILE']) ?? join(home, '.aws', 'credentials')];
  return files.map((file) => (file.startsWith('~/') ? join(home, file.slice(2)) : file));
}

const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

export function readEnvironmentFacts(env: Env): EnvironmentFacts {
  const imdsMode = nonEmpty(env['AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE']);
  const defaultImds = imdsMode?.toLowerCase() === 'ipv6' ? 'http://[fd00:ec2::254]' : DEFAULT_IMDS_ENDPOINT;
  return {
    ecsMetadataUri: nonEmpty(env['ECS_CONTAINER_METADATA_URI_V4']),
    executionEnv: nonEmpty(env['AWS_EXECUTION_ENV']),
    kubernetes: nonEmpty(env['KUBERNETES_SERVICE_HOST']) !== null,
    podUid: nonEmpty(env['METERING_GATE_POD_UID']),
    awsRegion: nonEmpty(env['AWS_REGION']),
    awsDefaultRegion: nonEmpty(env['AWS_DEFAULT_REGION']),
    imdsEndpoint: nonEmpty(env['AWS_EC2_METADATA_SERVICE_ENDPOINT']) ?? defaultImds,
    // As the SDK reads it: any value but "false" turns IMDS off.
    imdsDisabled: (nonEmpty(env['AWS_EC2_METADATA_DISABLED'])?.toLowerCase() ?? 'false') !== 'false',
    credentials: {
      accessKeyPresent: nonEmpty(env['AWS_ACCESS_KEY_ID']) !== null && nonEmpty(env['AWS_SECRET_ACCESS_KEY']) !== null,
      sessionTokenPresent: nonEmpty(env['AWS_SESSION_TOKEN']) !== null,
      profile: nonEmpty(env['AWS_PROFILE']),
      webIdentityTokenFile: nonEmpty(env['AWS_WEB_IDENTITY_TOKEN_FILE']),
      roleArnPresent: nonEmpty(env['AWS_ROLE_ARN']) !== null,
      roleArn: nonEmpty(env['AWS_ROLE_ARN']),
      roleSessionName: nonEmpty(env['AWS_ROLE_SESSION_NAME']),
      stsEndpointUrl: nonEmpty(env['AWS_ENDPOINT_URL_STS']) ?? nonEmpty(env['AWS_ENDPOINT_URL']),
      containerRelativeUri: nonEmpty(env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']),
      containerFullUri: nonEmpty(env['AWS_CONTAINER_CREDENTIALS_FULL_URI']),
      containerAuthorizationTokenFile: nonEmpty(env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']),
      containerAuthorizationTokenPresent: nonEmpty(env['AWS_CONTAINER_AUTHORIZATION_TOKEN']) !== null,
      sharedFiles: sharedFiles(env),
      secrets: () => ({
        accessKeyId: nonEmpty(env['AWS_ACCESS_KEY_ID']),
        secretAccessKey: nonEmpty(env['AWS_SECRET_ACCESS_KEY']),
        sessionToken: nonEmpty(env['AWS_SESSION_TOKEN']),
        expiration: nonEmpty(env['AWS_CREDENTIAL_EXPIRATION']),
        containerAuthorizationToken: nonEmpty(env['AWS_CONTAINER_AUTHORIZATION_TOKEN']),
      }),
    },
  };
}
