// Scenarios: what the emulated service does with a well-formed, authenticated request.
// Each definition is a row in a table; a scenario's state (counters, buckets) lives in
// the closure its factory returns, so switching scenario resets it.
import type { AwsError, ErrorName } from './errors.js';
import { TOKEN_VARIANTS, type TokenVariantName } from './tokens.js';

export type Outcome =
  | { kind: 'token'; variant: TokenVariantName; rotation?: boolean }
  | { kind: 'error'; error: AwsError }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'malformed' };

export interface ParsedScenario {
  /** The spec as given, e.g. `throttle:2`; recorded with each request. */
  spec: string;
  name: string;
  /** `throttle:N`, `error-500:N`; absent means every request. */
  count?: number;
  /** `rate-limit:RATE[:BURST]`: requests per second, bucket size (default RATE). */
  rate?: number;
  burst?: number;
}

type Params = 'none' | 'count' | 'rate';
type Behaviour = () => Outcome;

interface ScenarioDef {
  name: string;
  description: string;
  params: Params;
  make(p: ParsedScenario): Behaviour;
}

const ENTITLED: Outcome = { kind: 'token', variant: 'valid' };
const fail = (type: ErrorName): Outcome => ({ kind: 'error', error: { type } });
const always = (o: Outcome) => (): Behaviour => () => o;

/** The first `count` requests get `first`, later ones a valid token. */
function firstN(first: Outcome) {
  return (p: ParsedScenario): Behaviour => {
    let seen = 0;
    return () => (seen++ < (p.count ?? Infinity) ? first : ENTITLED);
  };
}

/** A token bucket: starts full, refills continuously at `rate` per second. */
/** burst undefined: one second's worth of requests, at least one. */
export function tokenBucket(rate: number, burst: number | undefined, now: () => number = Date.now): () => boolean {
  const capacity = burst ?? Math.max(1, rate);
  let tokens = capacity;
  let last = now();
  return () => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - last) / 1000) * rate);
    last = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

const simple = (name: string, description: string, outcome: Outcome): ScenarioDef => ({ name, description, params: 'none', make: always(outcome) });

const DEFS: readonly ScenarioDef[] = [
  simple('entitled', 'valid PS256 token for the request', ENTITLED),
  simple('not-entitled', 'CustomerNotEntitledException', fail('CustomerNotEntitledException')),
  simple('platform-not-supported', 'PlatformNotSupportedException (what a laptop gets)', fail('PlatformNotSupportedException')),
  simple('invalid-product-code', 'InvalidProductCodeException', fail('InvalidProductCodeException')),
  simple('invalid-public-key-version', 'InvalidPublicKeyVersionException', fail('InvalidPublicKeyVersionException')),
  simple('disabled-api', 'DisabledApiException', fail('DisabledApiException')),
  simple('access-denied', 'AccessDeniedException, as IAM answers when the role lacks aws-marketplace:RegisterUsage', fail('AccessDeniedException')),
  { name: 'throttle', description: 'throttle:N - first N requests ThrottlingException, then entitled (no N: always)', params: 'count', make: firstN(fail('ThrottlingException')) },
  { name: 'error-500', description: 'error-500:N - first N requests InternalServiceErrorException (500), then entitled (no N: always)', params: 'count', make: firstN(fail('InternalServiceErrorException')) },
  {
    name: 'rate-limit',
    description: 'rate-limit:RATE[:BURST] - token bucket per second; over-rate requests get ThrottlingException',
    params: 'rate',
    make: (p) => {
      const take = tokenBucket(p.rate!, p.burst);
      return () => (take() ? ENTITLED : fail('ThrottlingException'));
    },
  },
  simple('hang', 'accept the request and never answer', { kind: 'hang' }),
  simple('connection-reset', 'reset the connection without answering', { kind: 'reset' }),
  simple('malformed-body', 'HTTP 200 with a body that is not JSON', { kind: 'malformed' }),
  simple('key-rotation', 'entitled, plus PublicKeyRotationTimestamp (the key version has expired)', { kind: 'token', variant: 'valid', rotation: true }),
  // Every defective token variant is also a scenario of the same name.
  ...TOKEN_VARIANTS.filter((v) => v.name !== 'valid').map((v) => simple(v.name, `token: ${v.description}`, { kind: 'token', variant: v.name })),
];

export const SCENARIOS: readonly { name: string; description: string }[] = DEFS.map(({ name, description }) => ({ name, description }));

const USAGE: Record<Params, string> = { none: 'takes no parameters', count: 'takes :N (a whole number >= 0)', rate: 'takes :RATE[:BURST] (RATE > 0, BURST a whole number >= 1)' };

export function parseScenario(spec: string): ParsedScenario {
  const [name = '', ...args] = spec.trim().split(':');
  const def = DEFS.find((d) => d.name === name);
  if (!def) throw new Error(`unknown scenario "${spec}"; allowed: ${DEFS.map((d) => d.name).join(', ')}`);

  const bad = () => new Error(`invalid scenario "${spec}": ${name} ${USAGE[def.params]}`);
  const nums = args.map(Number);
  if (args.some((a) => a.trim() === '') || nums.some((n) => !Number.isFinite(n))) throw bad();
  const whole = (n: number | undefined, min: number) => n === undefined || (Number.isInteger(n) && n >= min);

  switch (def.params) {
    case 'none':
      if (args.length > 0) throw bad();
      return { spec, name };
    case 'count':
      if (args.length > 1 || !whole(nums[0], 0)) throw bad();
      return { spec, name, ...(nums[0] === undefined ? {} : { count: nums[0] }) };
    case 'rate':
      if (args.length < 1 || args.length > 2 || !(nums[0]! > 0) || !whole(nums[1], 1)) throw bad();
      return { spec, name, rate: nums[0]!, ...(nums[1] === undefined ? {} : { burst: nums[1] }) };
  }
}

/** A fresh behaviour (with its own counters) for a parsed scenario. */
export function createBehaviour(p: ParsedScenario): Behaviour {
  return DEFS.find((d) => d.name === p.name)!.make(p);
}
