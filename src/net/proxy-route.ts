import { BlockList, isIP } from 'node:net';
import type { NetworkConfig, NoProxyEntry, ProxySetting } from '../config/network-config.js';

/**
 * Metadata and credential endpoints: IMDS (IPv4 and IPv6), ECS task credentials, EKS Pod
 * Identity (IPv4 and IPv6). A proxy in between would answer for the instance or the task
 * it runs on, not ours, and these addresses are link-local anyway.
 */
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '169.254.170.23', 'fd00:ec2::23'];

export type Route = { readonly via: 'direct'; readonly reason: string } | { readonly via: 'proxy'; readonly proxy: ProxySetting };

/** URL hostnames keep IPv6 brackets and may end in a root dot; matching wants neither. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

function sameAddress(a: string, b: string): boolean {
  const family = isIP(a);
  if (family === 0 || family !== isIP(b)) return false;
  const list = new BlockList();
  list.addAddress(b, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) return sameAddress(host, '::1');
  return false;
}

function matches(entry: NoProxyEntry, host: string, port: number): boolean {
  switch (entry.kind) {
    case 'all':
      return true;
    case 'domain':
      return (entry.port === null || entry.port === port) && (host === entry.name || host.endsWith(`.${entry.name}`));
    case 'ip':
      return (entry.port === null || entry.port === port) && (host === entry.address || sameAddress(host, entry.address));
    case 'cidr': {
      if (isIP(host) !== (entry.family === 'ipv4' ? 4 : 6)) return false;
      const list = new BlockList();
      list.addSubnet(entry.address, entry.prefix, entry.family);
      return list.check(host, entry.family);
    }
  }
}

/** The port a URL talks to, its scheme's default when it names none. */
function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Proxy or direct, for one request URL. https:// URLs take the HTTPS proxy and http:// URLs
 * the HTTP proxy, as the AWS CLI does; NO_PROXY is matched against the host (and port); the
 * metadata and credential endpoints, loopback and the ECS metadata host are always direct.
 */
export function routeFor(target: URL, network: NetworkConfig): Route {
  const proxy = target.protocol === 'https:' ? network.httpsProxy : network.httpProxy;
  if (!proxy) return { via: 'direct', reason: `no ${target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} set` };
  const host = bareHost(target.hostname);
  if (isLoopback(host)) return { via: 'direct', reason: 'loopback is never proxied' };
  if (METADATA_ADDRESSES.some((address) => sameAddress(host, address))) return { via: 'direct', reason: 'metadata and credential endpoints are never proxied' };
  if (network.ecsMetadataHost !== null && (host === network.ecsMetadataHost || sameAddress(host, network.ecsMetadataHost))) {
    return { via: 'direct', reason: 'the ECS task metadata host is never proxied' };
  }
  const port = portOf(target);
  if (network.noProxy.some((entry) => matches(entry, host, port))) return { via: 'direct', reason: 'matched by NO_PROXY' };
  return { via: 'proxy', proxy };
}
