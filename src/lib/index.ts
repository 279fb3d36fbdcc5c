/**
 * metering-gate as a library, for a seller's Node workload: verify in the main process
 * that the gate ran and AWS said yes (so removing the init container or writing a fake
 * result file does not start a paid product), or run the registration itself.
 */
export { verifyEntitlement, type VerifyEntitlementOptions, type VerifiedEntitlement, type Duration } from './verify-entitlement.js';
export { register, type RegisterOptions, type RegisterSuccess } from './register.js';
export { MeteringGateError, EXIT_CODES, type ErrorCode, type FailureDetail, type FailureReason } from './errors.js';
export type { EntitlementResult, EntitlementStatus } from '../result/entitlement.js';
export type { LogLevel } from '../config/log-config.js';
export { GATE_VERSION as version } from '../version.js';
