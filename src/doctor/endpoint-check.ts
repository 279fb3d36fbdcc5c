import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import type { NetworkConfig } from '../config/network-config.js';
import { NETWORK_SETTINGS_HINT, tlsProblem } from '../net/errors.js';
import { routeFor } from '../net/proxy-route.js';
import { fail, pass, skip, type CheckRow } from './report.js';

/** The regional endpoint the SDK would call, unless overridden. */
export function meteringEndpoint(region: string): string {
  return `https://metering.marketplace.${region}.amazonaws.com`;
}

/** A URL as shown in the report: never with user:password, should anyone put one there. */
function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs}ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  const { code, syscall } = error as NodeJS.ErrnoException;
  const message = error instanceof Error ? error.message : String(error);
  // A system error's message already names its code ("connect ECONNREFUSED ..."); others (TLS, DNS wrappers) may not.
  return code && !syscall ? `${code}: ${message}` : message;
}

function open(socket: Socket, event: 'connect' | 'secureConnect', timeoutMs: number, what: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once(event, () => resolve());
      socket.once('error', reject);
    }),
    timeoutMs,
    what,
  ).finally(() => socket.destroy());
}

const NETWORK_FIX =
  'the gate must reach the Metering endpoint of its own region: allow HTTPS (443) egress to it (a NAT gateway for private subnets, or an interface VPC endpoint for AWS Marketplace Metering), and check the VPC DNS settings.';

/** DNS, TCP and (for https) a TLS handshake with certificate check; no request is sent. */
export async function checkEndpoint(endpoint: string | null, options: { timeoutMs: number; network: NetworkConfig | null }): Promise<CheckRow> {
  if (endpoint === null) return skip('endpoint', 'not probed: no endpoint without a region (see the region row)');
  const url = new URL(endpoint);
  // Behind a proxy the endpoint may not even resolve here; the proxy row and `--call` cover that way.
  if (options.network && routeFor(url, options.network).via === 'proxy') return skip('endpoint', `${shown(url)}: not probed directly, it is reached through the proxy (see the proxy row; --call makes a real call through it)`);
  const ca = options.network?.caBundle ? { ca: [...rootCertificates, ...options.network.caBundle.certificates] } : {};
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const steps: string[] = [];

  let address = host;
  if (isIP(host) === 0) {
    try {
      const answer = await withTimeout(lookup(host), options.timeoutMs, 'DNS lookup');
      address = answer.address;
      steps.push(`DNS ${host} -> ${address}`);
    } catch (error) {
      return fail('endpoint', 'SERVICE_UNAVAILABLE', `${shown(url)}: DNS lookup of ${host} failed (${errorText(error)})`, NETWORK_FIX);
    }
  }
  const tcpStarted = Date.now();
  try {
    await open(tcpConnect({ host: address, port }), 'connect', options.timeoutMs, 'TCP connect');
    steps.push(`TCP ${address}:${port} in ${Date.now() - tcpStarted}ms`);
  } catch (error) {
    return fail('endpoint', 'SERVICE_UNAVAILABLE', `${shown(url)}: TCP connect to ${address}:${port} failed (${errorText(error)})`, NETWORK_FIX);
  }
  if (secure) {
    try {
      await open(tlsConnect({ host: address, port, servername: isIP(host) === 0 ? host : undefined, ...ca }), 'secureConnect', options.timeoutMs, 'TLS handshake');
      steps.push('TLS certificate valid');
    } catch (error) {
      const problem = tlsProblem(error);
      if (problem) return fail('endpoint', 'TLS_UNTRUSTED', `${shown(url)}: TLS with ${url.host} failed: ${problem}`, NETWORK_SETTINGS_HINT);
      return fail('endpoint', 'SERVICE_UNAVAILABLE', `${shown(url)}: TLS handshake failed (${errorText(error)})`, NETWORK_SETTINGS_HINT);
    }
  } else {
    steps.push('plain HTTP (no TLS)');
  }
  return pass('endpoint', `${shown(url)} reachable: ${steps.join(', ')}`);
}
