import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * What a registration is bound to: the Kubernetes pod (its UID, from the downward API) or the
 * ECS task (its ARN, from task metadata) that the gate ran in, which every container of that
 * pod or task sees, and no other pod or task does.
 */
export type BindingKind = 'kubernetes-pod' | 'ecs-task';

export interface WorkloadIdentity {
  readonly kind: BindingKind;
  /** The pod UID or the task ARN. Not a secret: it only has to differ between workloads. */
  readonly id: string;
}

/** The nonce's tag for each kind; short, as the nonce is at most 255 characters. */
const TAGS: Readonly<Record<BindingKind, string>> = { 'kubernetes-pod': 'k8s-pod', 'ecs-task': 'ecs-task' };
const KINDS_BY_TAG: ReadonlyMap<string, BindingKind> = new Map(Object.entries(TAGS).map(([kind, tag]) => [tag, kind as BindingKind]));
const BOUND_NONCE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z0-9-]+)\.([A-Za-z0-9_-]{43})$/;

function commitment(identity: WorkloadIdentity, salt: string): string {
  // Length-prefixed fields: no two (kind, id, salt) triples hash the same input.
  const fields = ['metering-gate/binding/v1', identity.kind, identity.id, salt].map((field) => `${Buffer.byteLength(field)}:${field}`);
  return createHash('sha256').update(fields.join('\n')).digest('base64url');
}

/**
 * The nonce sent to RegisterUsage for a bound registration: `<salt>.<tag>.<commitment>`, where
 * the commitment is SHA-256 over the identity and the salt (a fresh UUIDv4). AWS signs the nonce
 * into the token, so the binding cannot be edited without breaking the signature, and the
 * identity itself never leaves the task. 85 characters.
 */
export function boundNonce(identity: WorkloadIdentity, salt: string): string {
  return `${salt}.${TAGS[identity.kind]}.${commitment(identity, salt)}`;
}

export type BindingCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unbound' | 'other-kind' | 'other-workload'; readonly boundKind: BindingKind | null };

/** Whether a (signed) nonce was made by boundNonce for exactly this identity. */
export function checkBinding(nonce: string, identity: WorkloadIdentity): BindingCheck {
  const match = BOUND_NONCE.exec(nonce);
  const kind = match ? (KINDS_BY_TAG.get(match[2] as string) ?? null) : null;
  if (!match || kind === null) return { ok: false, reason: 'unbound', boundKind: null };
  if (kind !== identity.kind) return { ok: false, reason: 'other-kind', boundKind: kind };
  const expected = Buffer.from(commitment(identity, match[1] as string));
  const given = Buffer.from(match[3] as string);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'other-workload', boundKind: kind };
  return { ok: true };
}

/** The kind a nonce claims to be bound to, without checking it (for messages and the result file). */
export function boundKindOf(nonce: string): BindingKind | null {
  const match = BOUND_NONCE.exec(nonce);
  return match ? (KINDS_BY_TAG.get(match[2] as string) ?? null) : null;
}

/** How each kind is named to a person, and where its identity comes from. */
export const BINDING_NAMES: Readonly<Record<BindingKind, { readonly workload: string; readonly source: string }>> = {
  'kubernetes-pod': { workload: 'pod', source: 'METERING_GATE_POD_UID (the pod UID, from the downward API)' },
  'ecs-task': { workload: 'task', source: 'the TaskARN from ECS task metadata (ECS_CONTAINER_METADATA_URI_V4)' },
};
