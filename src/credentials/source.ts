import type { CredentialEnvironment } from '../config/environment.js';

export type CredentialSource = 'env' | 'ini' | 'web-identity' | 'container' | 'pod-identity' | 'imds' | 'unknown';

export interface CredentialSourceReport {
  readonly source: CredentialSource;
  /** Operator-facing warnings; they name variables, never their values. */
  readonly warnings: readonly string[];
}

const POD_IDENTITY_HOSTS = ['169.254.170.23', '[fd00:ec2::23]'];

export const IRSA_ADVICE =
  'AWS Marketplace accepts RegisterUsage on EKS only with IRSA (IAM roles for service accounts) and on ECS only with the task role: annotate the pod\'s service account with eks.amazonaws.com/role-arn (or give the ECS task a task role) and remove this credential source.';

function isPodIdentity(credentials: CredentialEnvironment): boolean {
  if (credentials.containerAuthorizationTokenFile?.includes('pods.eks.amazonaws.com')) return true;
  const uri = credentials.containerFullUri;
  if (!uri) return false;
  try {
    return POD_IDENTITY_HOSTS.includes(new URL(uri).host);
  } catch {
    return false;
  }
}

/**
 * Which provider of the SDK's node chain will answer, predicted from the same variables
 * in the chain's own order, so the result can say what signed the call without ever
 * holding a secret.
 */
export function describeCredentialSource(credentials: CredentialEnvironment, imdsDisabled: boolean): CredentialSourceReport {
  if (credentials.accessKeyPresent && !credentials.profile) {
    const warnings = credentials.sessionTokenPresent
      ? []
      : [`credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, long-term keys. ${IRSA_ADVICE}`];
    return { source: 'env', warnings };
  }
  if (credentials.profile) return { source: 'ini', warnings: [] };
  if (credentials.webIdentityTokenFile && credentials.roleArnPresent) return { source: 'web-identity', warnings: [] };
  if (credentials.containerRelativeUri || credentials.containerFullUri) {
    if (isPodIdentity(credentials)) {
      return { source: 'pod-identity', warnings: [`credentials come from EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI / AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). ${IRSA_ADVICE}`] };
    }
    return { source: 'container', warnings: [] };
  }
  if (!imdsDisabled) return { source: 'imds', warnings: [] };
  return { source: 'unknown', warnings: [] };
}
