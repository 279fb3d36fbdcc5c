// `emulator --proxy-port`: an egress proxy for demos and tests, which, like a corporate proxy in
// front of a private subnet, is the only way to the AWS host names: CONNECT to a Metering or STS
// host name on port 443 is tunnelled to the emulator itself, anything else is refused (403).
// No library fits: a forward proxy (npm's `proxy`) would resolve the real AWS names.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyRecord {
  at: string;
  /** host:port as asked in the CONNECT line. */
  target: string;
  status: number;
  /** Whether a Proxy-Authorization header came with it (its value is never kept). */
  sentCredentials: boolean;
}

export interface RunningProxy {
  url: string;
  requests(): ProxyRecord[];
  clear(): void;
  close(): Promise<void>;
}

const AWS_HOST = /^(metering\.marketplace|sts)(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/;

function authorized(req: IncomingMessage, credentials: string | undefined): boolean {
  if (credentials === undefined) return true;
  const header = req.headers['proxy-authorization'] ?? '';
  const expected = Buffer.from(`Basic ${Buffer.from(credentials).toString('base64')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startConnectProxy(options: { host: string; port: number; emulatorPort: number; credentials?: string }): Promise<RunningProxy> {
  const log: ProxyRecord[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('this proxy only tunnels (CONNECT) to AWS host names\n');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const [host = '', port = ''] = target.split(':');
    const record = (status: number) => log.push({ at: new Date().toISOString(), target, status, sentCredentials: req.headers['proxy-authorization'] !== undefined });
    const refuse = (status: number, reason: string, extra = '') => {
      record(status);
      const body = `<html><body>${status} ${reason}</body></html>\n`;
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}content-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    if (!authorized(req, options.credentials)) return refuse(407, 'Proxy Authentication Required', 'proxy-authenticate: Basic realm="metering-gate emulator"\r\n');
    if (!AWS_HOST.test(host.toLowerCase()) || port !== '443') return refuse(403, 'Forbidden');
    const upstream = connect(options.emulatorPort, '127.0.0.1', () => {
      record(200);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    requests: () => log.map((r) => ({ ...r })),
    clear: () => {
      log.length = 0;
    },
    close: () =>
      (closing ??= new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      })),
  };
}
