// Proxy or direct, host by host, as curl and the AWS CLI decide it: the gate's own modules
// (config/network-config.ts parses, net/proxy-route.ts decides), bundled as the CLI bundles them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleEntries } from '../../bench/lib/bundle.mjs';
import { tempDir } from '../helpers/gate.mjs';

let parseNetworkConfig;
let routeFor;
let maskProxyUrl;
before(async () => {
  const dir = tempDir('gate-routes-');
  const entry = join(dir, 'entry.ts');
  const src = join(process.cwd(), 'src');
  writeFileSync(entry, `export { parseNetworkConfig, maskProxyUrl } from '${src}/config/network-config.ts';\nexport { routeFor } from '${src}/net/proxy-route.ts';\n`);
  const [bundle] = await bundleEntries([entry], 'gate-routes-');
  ({ parseNetworkConfig, routeFor, maskProxyUrl } = await import(bundle));
});

const PROXY = 'http://proxy.corp.example:3128';
const via = (url, env) => {
  const route = routeFor(new URL(url), parseNetworkConfig({}, { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY, ...env }));
  return route.via;
};

test('https:// takes HTTPS_PROXY, http:// takes HTTP_PROXY, each only its own', () => {
  assert.equal(via('https://metering.marketplace.us-east-1.amazonaws.com', {}), 'proxy');
  assert.equal(routeFor(new URL('http://emulator.internal:8080'), parseNetworkConfig({}, { HTTPS_PROXY: PROXY })).via, 'direct');
  assert.equal(routeFor(new URL('https://sts.us-east-1.amazonaws.com'), parseNetworkConfig({}, { HTTP_PROXY: PROXY })).via, 'direct');
  assert.equal(via('http://emulator.internal:8080', {}), 'proxy');
});

test('lower case wins over upper case, as in the AWS CLI', () => {
  const config = parseNetworkConfig({}, { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' });
  assert.equal(config.httpsProxy.url.host, 'lower:2');
  assert.equal(config.httpsProxy.from, 'https_proxy');
});

const NO_PROXY_CASES = [
  // [NO_PROXY, url, expected]
  ['*', 'https://metering.marketplace.us-east-1.amazonaws.com', 'direct'],
  ['amazonaws.com', 'https://metering.marketplace.us-east-1.amazonaws.com', 'direct'],
  ['.amazonaws.com', 'https://metering.marketplace.us-east-1.amazonaws.com', 'direct'],
  ['*.amazonaws.com', 'https://sts.us-east-1.amazonaws.com', 'direct'],
  ['amazonaws.com', 'https://notamazonaws.com', 'proxy'],
  ['sts.us-east-1.amazonaws.com', 'https://metering.marketplace.us-east-1.amazonaws.com', 'proxy'],
  ['METERING.marketplace.us-east-1.amazonaws.com', 'https://metering.marketplace.us-east-1.amazonaws.com.', 'direct'],
  ['vpce.internal:443', 'https://vpce.internal', 'direct'],
  ['vpce.internal:8443', 'https://vpce.internal', 'proxy'],
  ['10.1.2.3', 'https://10.1.2.3', 'direct'],
  ['10.0.0.0/8', 'https://10.200.3.4:8443', 'direct'],
  ['10.0.0.0/8', 'https://11.0.0.1', 'proxy'],
  ['fd12::/16', 'https://[fd12::5]', 'direct'],
  ['[fd12::5]:443', 'https://[fd12::5]', 'direct'],
  ['example.com, .internal  other.org', 'https://a.internal', 'direct'],
  ['', 'https://metering.marketplace.us-east-1.amazonaws.com', 'proxy'],
];

for (const [noProxy, url, expected] of NO_PROXY_CASES) {
  test(`NO_PROXY=${JSON.stringify(noProxy)}: ${url} -> ${expected}`, () => {
    assert.equal(via(url, { NO_PROXY: noProxy }), expected);
    assert.equal(via(url, { no_proxy: noProxy }), expected);
  });
}

test('metadata and credential endpoints, loopback and the ECS metadata host are never proxied', () => {
  for (const url of ['http://169.254.169.254', 'http://[fd00:ec2::254]', 'http://169.254.170.2', 'http://169.254.170.23', 'http://[fd00:ec2::23]', 'http://127.0.0.1:9', 'http://localhost', 'http://[::1]:80', 'https://127.1.2.3']) {
    assert.equal(via(url, {}), 'direct', url);
  }
  const env = { ECS_CONTAINER_METADATA_URI_V4: 'http://172.17.0.9/v4/abc' };
  assert.equal(via('http://172.17.0.9', env), 'direct');
  assert.equal(via('http://172.17.0.10', env), 'proxy');
});

test('bad proxy settings are refused with the variable named and the password masked', () => {
  const refused = (env) => {
    try {
      parseNetworkConfig({}, env);
    } catch (error) {
      return error;
    }
    assert.fail(`accepted ${JSON.stringify(env)}`);
  };
  let error = refused({ HTTPS_PROXY: 'socks5://u:secret@proxy:1080' });
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.equal(error.message, 'invalid HTTPS_PROXY "socks5://u:***@proxy:1080": the proxy scheme must be http:// or https:// (socks5:// proxies are not supported)');
  error = refused({ http_proxy: 'http://u:secret@proxy:3128/path' });
  assert.match(error.message, /^invalid http_proxy "http:\/\/u:\*\*\*@proxy:3128\/path": a proxy URL has only/);
  error = refused({ HTTPS_PROXY: 'http://u:secret@[bad' });
  assert.match(error.message, /^invalid HTTPS_PROXY "http:\/\/u:\*\*\*@\[bad": must be a proxy URL/);
  error = refused({ NO_PROXY: 'example.com, bad host!' });
  assert.match(error.message, /^invalid NO_PROXY entry "host!"/);
  error = refused({ NO_PROXY: '10.0.0.0/40' });
  assert.match(error.message, /^invalid NO_PROXY entry "10\.0\.0\.0\/40"/);
  error = refused({ no_proxy: 'example.com:99999' });
  assert.match(error.message, /the port must be 1-65535/);
});

test('a proxy without a scheme is http://, as curl reads it; the shown form never has the password', () => {
  const config = parseNetworkConfig({}, { HTTPS_PROXY: 'user:p%40ss@proxy.corp:3128' });
  assert.equal(config.httpsProxy.url.href, 'http://user:p%40ss@proxy.corp:3128/');
  assert.equal(config.httpsProxy.shown, 'http://user:***@proxy.corp:3128');
  assert.equal(maskProxyUrl('https://a:b:c@h'), 'https://a:***@h');
  assert.equal(maskProxyUrl('http://proxy:3128'), 'http://proxy:3128');
});
