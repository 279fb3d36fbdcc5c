import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { GateError } from '../errors.js';
import { REGISTER_OPTIONS, optionByKey } from './options.js';
import { invalidSetting, readSetting, type Env, type RawFlags } from './settings.js';

/** A proxy as configured; `shown` is the URL with its password masked, the only form that may be logged or recorded. */
export interface ProxySetting {
  readonly url: URL;
  readonly shown: string;
  /** The variable it came from, for messages (HTTPS_PROXY, http_proxy, ...). */
  readonly from: string;
}

/** One NO_PROXY entry, read as curl and the AWS CLI read it. */
export type NoProxyEntry =
  | { readonly kind: 'all' }
  /** A host name: matches itself and every name below it. */
  | { readonly kind: 'domain'; readonly name: string; readonly port: number | null }
  | { readonly kind: 'ip'; readonly address: string; readonly port: number | null }
  | { readonly kind: 'cidr'; readonly address: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' };

export interface CaBundle {
  readonly path: string;
  readonly from: string;
  /** The PEM certificates, each checked to parse. */
  readonly certificates: readonly string[];
}

export interface NetworkConfig {
  readonly httpsProxy: ProxySetting | null;
  readonly httpProxy: ProxySetting | null;
  readonly noProxy: readonly NoProxyEntry[];
  /** The host of ECS_CONTAINER_METADATA_URI_V4: a credential endpoint, never proxied. */
  readonly ecsMetadataHost: string | null;
  readonly caBundle: CaBundle | null;
  /** Set by the user, only reported: Node reads it itself at start. */
  readonly nodeExtraCaCerts: string | null;
}

// A corporate bundle is at most a few hundred kilobytes (Mozilla's whole store is ~220 KiB).
const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Masks whatever stands before the last @ of the authority, so a URL that does not even parse is still shown without its password. */
export function maskProxyUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i, (_, scheme: string | undefined, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme ?? ''}${user}${userinfo.includes(':') ? ':***' : ''}@`;
  });
}

function readEnv(env: Env, names: readonly string[]): { value: string; from: string } | null {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), from: name };
  }
  return null;
}

function parseProxy(env: Env, names: readonly string[]): ProxySetting | null {
  const found = readEnv(env, names);
  if (!found) return null;
  // As curl does: a proxy given without a scheme is an http:// proxy.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  const refuse = (why: string) => new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: found.from, shownValue: JSON.stringify(maskProxyUrl(found.value)), allowed: why });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('must be a proxy URL such as http://proxy.example.com:3128 or http://user:password@proxy:3128');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`the proxy scheme must be http:// or https:// (${url.protocol}// proxies are not supported)`);
  if (url.hostname === '') throw refuse('the proxy URL has no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw refuse('a proxy URL has only a scheme, optional user:password@, a host and a port');
  const shown = url.password ? maskProxyUrl(url.href) : url.href;
  return { url, shown: shown.replace(/\/$/, ''), from: found.from };
}

function parsePort(text: string, entry: string, from: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new GateError('CONFIG_INVALID', `invalid ${from} entry ${JSON.stringify(entry)}: the port must be 1-65535`);
  return port;
}

function isIpv4(text: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(text) && text.split('.').every((part) => Number(part) <= 255);
}

/** One entry: `*`, a name or `.suffix`, an IPv4 or IPv6 address (bracketed with a port), `host:port`, or a CIDR block. */
function parseNoProxyEntry(raw: string, from: string): NoProxyEntry {
  const entry = raw.toLowerCase();
  if (entry === '*') return { kind: 'all' };
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const address = cidr[1]!;
    const prefix = Number(cidr[2]);
    const family = isIpv4(address) ? 'ipv4' : address.includes(':') ? 'ipv6' : null;
    if (!family || prefix > (family === 'ipv4' ? 32 : 128)) throw new GateError('CONFIG_INVALID', `invalid ${from} entry ${JSON.stringify(raw)}: not an address block such as 10.0.0.0/8`);
    return { kind: 'cidr', address, prefix, family };
  }
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { kind: 'ip', address: bracketed[1]!, port: bracketed[2] ? parsePort(bracketed[2], raw, from) : null };
  // More than one colon and no brackets: a bare IPv6 address, which cannot carry a port.
  if ((entry.match(/:/g) ?? []).length > 1) return { kind: 'ip', address: entry, port: null };
  const [host = '', portText] = entry.split(':');
  const port = portText === undefined ? null : parsePort(portText, raw, from);
  if (isIpv4(host)) return { kind: 'ip', address: host, port };
  // curl and the AWS CLI both take ".example.com", "*.example.com" and "example.com" as the same suffix rule.
  const name = host.replace(/^\*?\./, '').replace(/\.$/, '');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) throw new GateError('CONFIG_INVALID', `invalid ${from} entry ${JSON.stringify(raw)}: expected a host name, .domain suffix, IP address, address block, host:port or *`);
  return { kind: 'domain', name, port };
}

function parseNoProxy(env: Env): NoProxyEntry[] {
  const found = readEnv(env, ['no_proxy', 'NO_PROXY']);
  if (!found) return [];
  return found.value
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry) => parseNoProxyEntry(entry, found.from));
}

function hostOf(uri: string | null): string | null {
  if (!uri) return null;
  try {
    return new URL(uri).hostname.replace(/^\[|\]$/g, '').toLowerCase() || null;
  } catch {
    return null;
  }
}

/**
 * `--ca-bundle`, then METERING_GATE_CA_BUNDLE, then AWS_CA_BUNDLE (the AWS CLI's and the SDKs'
 * variable): a PEM file of extra CAs. Read and checked here, so that a bundle that cannot be
 * used ends the run with exit 2 before any request is made.
 */
export function parseCaBundle(flags: RawFlags, env: Env): CaBundle | null {
  const setting = readSetting(flags, env, optionByKey(REGISTER_OPTIONS, 'caBundle'));
  if (!setting) return null;
  const allowed = 'expected a readable PEM file of CA certificates ("BEGIN CERTIFICATE" blocks)';
  let text: string;
  try {
    const size = statSync(setting.value).size;
    if (size > MAX_BUNDLE_BYTES) throw invalidSetting(setting, `the file has ${size} bytes, more than the ${MAX_BUNDLE_BYTES} a CA bundle may have; ${allowed}`);
    text = readFileSync(setting.value, 'utf8');
  } catch (error) {
    if (error instanceof GateError) throw error;
    throw invalidSetting(setting, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}); ${allowed}`);
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw invalidSetting(setting, `no certificate in the file; ${allowed}`);
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw invalidSetting(setting, `certificate ${index + 1} of ${certificates.length} does not parse (${(error as Error).message.split('\n')[0]}); ${allowed}`);
    }
  });
  return { path: setting.value, from: setting.from, certificates };
}

export type ProxySettings = Pick<NetworkConfig, 'httpsProxy' | 'httpProxy' | 'noProxy' | 'ecsMetadataHost'>;

/** The proxy settings as the AWS CLI reads them (lower case wins, as in Python's urllib), and the one endpoint host only the environment names. */
export function parseProxySettings(env: Env): ProxySettings {
  return {
    httpsProxy: parseProxy(env, ['https_proxy', 'HTTPS_PROXY']),
    httpProxy: parseProxy(env, ['http_proxy', 'HTTP_PROXY']),
    noProxy: parseNoProxy(env),
    ecsMetadataHost: hostOf(env['ECS_CONTAINER_METADATA_URI_V4'] ?? null),
  };
}

export function parseNetworkConfig(flags: RawFlags, env: Env): NetworkConfig {
  return { ...parseProxySettings(env), caBundle: parseCaBundle(flags, env), nodeExtraCaCerts: readEnv(env, ['NODE_EXTRA_CA_CERTS'])?.value ?? null };
}
