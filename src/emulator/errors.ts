// The errors the emulator can answer with, in the shape AWS's awsJson1_1 services use.
// Statuses follow what the service and its front door really send: the modelled
// RegisterUsage errors are 400 except InternalServiceErrorException (a server fault);
// authentication failures are rejected before the service sees the call, with 403.

export interface ErrorSpec {
  status: number;
  message: string;
}

export const ERRORS = {
  CustomerNotEntitledException: { status: 400, message: 'Customer is not entitled to use the product.' },
  PlatformNotSupportedException: {
    status: 400,
    message: 'AWS Marketplace does not support metering usage from the underlying platform. Currently, Amazon ECS, Amazon EKS, and AWS Fargate are supported.',
  },
  InvalidProductCodeException: { status: 400, message: 'The product code passed does not match the product code used for publishing the product.' },
  InvalidPublicKeyVersionException: { status: 400, message: 'Public Key version is invalid.' },
  DisabledApiException: { status: 400, message: 'The API is disabled in the Region.' },
  InvalidRegionException: { status: 400, message: 'RegisterUsage must be called in the same AWS Region the ECS task was launched in.' },
  ThrottlingException: { status: 400, message: 'Rate exceeded' },
  InternalServiceErrorException: { status: 500, message: 'An internal error has occurred. Retry your request.' },
  // IAM denials reach JSON-protocol clients as a 400 AccessDeniedException.
  AccessDeniedException: {
    status: 400,
    message:
      'User: arn:aws:sts::123456789012:assumed-role/metering-gate-task-role/emulator-session is not authorized to perform: aws-marketplace:RegisterUsage because no identity-based policy allows the aws-marketplace:RegisterUsage action',
  },
  ValidationException: { status: 400, message: 'Validation failed.' },
  // Credentials the front door does not know, or STS credentials past their expiration.
  UnrecognizedClientException: { status: 400, message: 'The security token included in the request is invalid.' },
  ExpiredTokenException: { status: 400, message: 'The security token included in the request is expired' },
  SerializationException: { status: 400, message: 'Could not parse the request body.' },
  UnknownOperationException: { status: 400, message: 'Unknown operation.' },
  MissingAuthenticationTokenException: { status: 403, message: 'Missing Authentication Token' },
  IncompleteSignatureException: { status: 403, message: 'The request signature does not conform to AWS standards.' },
  InvalidSignatureException: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/** A decided error answer; `message` overrides the catalogue's default text. */
export interface AwsError {
  type: ErrorName;
  message?: string;
}

export function errorBody(err: AwsError): { __type: ErrorName; message: string } {
  return { __type: err.type, message: err.message ?? ERRORS[err.type].message };
}
