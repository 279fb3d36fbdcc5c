import { connect as tcpConnect } from 'node:net';
import type { DoctorConfig } from '../config/doctor-config.js';
import type { NetworkConfig } from '../config/network-config.js';
import { routeFor } from '../net/proxy-route.js';
import { fail, pass, skip, type CheckRow } from './report.js';

/** TCP to the proxy itself: whether a tunnel can even be asked for (the call row asks for one). */
function reachable(url: URL, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const socket = tcpConnect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (problem: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no TCP connection within ${timeoutMs}ms`), timeoutMs);
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/**
 * The proxy row: which way the Metering endpoint is reached (through which proxy, or direct
 * and why), and whether that proxy takes TCP connections. The password is never shown.
 */
export async function checkProxy(config: DoctorConfig, endpoint: string | null, options: { timeoutMs: number }): Promise<CheckRow> {
  if (!config.proxySettings.ok) return fail('proxy', config.proxySettings.error.code, config.proxySettings.error.message, 'fix the variable named in the message: a proxy is http://[user:password@]host:port; NO_PROXY is a comma list of host names, .domains, IP addresses, address blocks, host:port or *.');
  const network: NetworkConfig = { ...config.proxySettings.value, caBundle: null, nodeExtraCaCerts: null };
  if (!network.httpsProxy && !network.httpProxy) return pass('proxy', 'no HTTPS_PROXY or HTTP_PROXY: Metering and STS are reached directly');
  if (endpoint === null) return skip('proxy', 'not probed: no endpoint without a region (see the region row)');
  const target = new URL(endpoint);
  const route = routeFor(target, network);
  const noProxy = network.noProxy.length > 0 ? `NO_PROXY has ${network.noProxy.length} entr${network.noProxy.length === 1 ? 'y' : 'ies'}` : 'no NO_PROXY';
  if (route.via === 'direct') return pass('proxy', `${target.protocol}//${target.host} is reached directly (${route.reason}); ${noProxy}`);
  const problem = await reachable(route.proxy.url, options.timeoutMs);
  if (problem) {
    return fail('proxy', 'SERVICE_UNAVAILABLE', `${target.protocol}//${target.host} goes through the proxy ${route.proxy.shown} (${route.proxy.from}), which cannot be reached: ${problem}`, 'check the proxy host and port in HTTPS_PROXY, or list the Metering host in NO_PROXY if it is reached directly (a VPC endpoint).');
  }
  return pass('proxy', `${target.protocol}//${target.host} goes through the proxy ${route.proxy.shown} (${route.proxy.from}), which accepts connections; ${noProxy}; metadata and credential endpoints go direct`);
}

/** The ca-bundle row: the extra CAs that register would add to Node's roots. */
export function checkCaBundle(config: DoctorConfig): CheckRow {
  if (!config.caBundle.ok) return fail('ca-bundle', config.caBundle.error.code, config.caBundle.error.message, 'give a readable PEM file of CA certificates ("BEGIN CERTIFICATE" blocks), or unset --ca-bundle / METERING_GATE_CA_BUNDLE / AWS_CA_BUNDLE.');
  const caBundle = config.caBundle.value;
  const nodeExtraCaCerts = config.network.ok ? config.network.value.nodeExtraCaCerts : null;
  const extra = nodeExtraCaCerts ? `; NODE_EXTRA_CA_CERTS=${nodeExtraCaCerts} is read by Node itself` : '';
  if (!caBundle) return pass('ca-bundle', `none set (--ca-bundle, METERING_GATE_CA_BUNDLE, AWS_CA_BUNDLE): Node's own roots${extra}`);
  const count = caBundle.certificates.length;
  return pass('ca-bundle', `${count} certificate${count === 1 ? '' : 's'} from ${caBundle.path} (${caBundle.from}), added to Node's roots for Metering and STS${extra}`);
}
